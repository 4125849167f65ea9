import { useCallback, useSyncExternalStore } from 'react'
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

interface Props {
  canvas: AnnotationCanvas | null
  state: EditorState | null
  /** an interactive worker answers smart select (else the tool is hidden, with a hint) */
  smartSelect: boolean
  onShortcuts: () => void
}

/** Offers the tools the selected label allows (the label schema's `tools`). */
export function Toolbox({ canvas, state, smartSelect, onShortcuts }: Props) {
  const { t } = useTranslation(['editor', 'annotate'])
  // state carries the active label, so this follows label changes
  const allowed = canvas && state ? canvas.allowedTools() : TOOLS.map((x) => x.name)
  return (
    <div className="toolbox" role="toolbar" aria-label={t('toolbar.tools')} data-active-label={state?.activeLabel ?? ''}>
      {TOOLS.filter((tool) => allowed.includes(tool.name)).map((tool) => (
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
      {canvas && state && <ZoomLabel canvas={canvas} />}
      <div className="toolbox-sep" />
      <button type="button" className="tool" onClick={onShortcuts} title={t('annotate:shortcuts.open')} aria-label={t('annotate:shortcuts.open')} data-testid="shortcuts-button">
        ?
      </button>
      {!smartSelect && (
        <span className="tool-hint muted" data-testid="no-smart-select" title={t('annotate:tools.noSmartSelect')}>
          {t('annotate:tools.noSmartSelect')}
        </span>
      )}
    </div>
  )
}

/** The zoom in percent; follows the canvas's `view` event alone, so panning and zooming re-render only this. */
function ZoomLabel({ canvas }: { canvas: AnnotationCanvas }) {
  const subscribe = useCallback((onChange: () => void) => canvas.on('view', onChange), [canvas])
  const zoom = useSyncExternalStore(subscribe, () => canvas.zoom)
  return <span className="zoom muted">{Math.round(zoom * 100)}%</span>
}
