import { useTranslation } from 'react-i18next'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import type { ToolName } from '../../editor/types'
import { Icon } from '../../components/Icon'

const TOOLS: { name: ToolName; key: string }[] = [
  { name: 'select', key: 'V' },
  { name: 'pan', key: 'H' },
  { name: 'bbox', key: 'B' },
  { name: 'polygon', key: 'P' },
  { name: 'keypoints', key: 'K' },
  { name: 'segment', key: 'S' },
]

export function Toolbox({ canvas, state }: { canvas: AnnotationCanvas | null; state: EditorState | null }) {
  const { t } = useTranslation('editor')
  return (
    <div className="toolbox" role="toolbar" aria-label={t('toolbar.tools')}>
      {TOOLS.map((tool) => (
        <button
          key={tool.name}
          type="button"
          className={state?.tool === tool.name ? 'tool active' : 'tool'}
          aria-pressed={state?.tool === tool.name}
          data-testid={`tool-${tool.name}`}
          title={`${t(`tool.${tool.name}`)} (${tool.key})`}
          onClick={() => {
            canvas?.setTool(tool.name)
            canvas?.focus()
          }}
        >
          <Icon name={tool.name} />
          <span className="tool-name">{t(`tool.${tool.name}`)}</span>
        </button>
      ))}
      <div className="toolbox-sep" />
      <button type="button" className="tool" aria-label={t('tool.zoomIn')} onClick={() => canvas?.zoomBy(1.25)} title={`${t('tool.zoomIn')} (+)`}>
        <Icon name="zoomIn" />
      </button>
      <button type="button" className="tool" aria-label={t('tool.zoomOut')} onClick={() => canvas?.zoomBy(0.8)} title={`${t('tool.zoomOut')} (-)`}>
        <Icon name="zoomOut" />
      </button>
      <button type="button" className="tool" aria-label={t('tool.fit')} onClick={() => canvas?.fit()} title={`${t('tool.fit')} (F)`}>
        <Icon name="fit" />
      </button>
      {state && <span className="zoom muted">{Math.round(state.zoom * 100)}%</span>}
    </div>
  )
}
