import { useTranslation } from 'react-i18next'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import type { ToolName } from '../../editor/types'

const TOOLS: { name: ToolName; key: string; icon: string }[] = [
  { name: 'select', key: 'V', icon: '↖' },
  { name: 'pan', key: 'H', icon: '✋' },
  { name: 'bbox', key: 'B', icon: '▭' },
  { name: 'polygon', key: 'P', icon: '⬠' },
  { name: 'keypoints', key: 'K', icon: '•' },
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
          <span className="tool-icon" aria-hidden>
            {tool.icon}
          </span>
          <span className="tool-name">{t(`tool.${tool.name}`)}</span>
        </button>
      ))}
      <div className="toolbox-sep" />
      <button type="button" className="tool" onClick={() => canvas?.zoomBy(1.25)} title={`${t('tool.zoomIn')} (+)`}>
        <span className="tool-icon">＋</span>
      </button>
      <button type="button" className="tool" onClick={() => canvas?.zoomBy(0.8)} title={`${t('tool.zoomOut')} (-)`}>
        <span className="tool-icon">－</span>
      </button>
      <button type="button" className="tool" onClick={() => canvas?.fit()} title={`${t('tool.fit')} (F)`}>
        <span className="tool-icon">⤢</span>
      </button>
      {state && <span className="zoom muted">{Math.round(state.zoom * 100)}%</span>}
    </div>
  )
}
