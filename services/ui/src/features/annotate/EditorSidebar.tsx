import { useTranslation } from 'react-i18next'
import type { Prediction } from '../../api/types'
import { LabelName } from '../../components/LabelName'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import { isTagOnly, type EditorLabel, type Shape } from '../../editor/types'
import { ImageAdjust } from './ImageAdjust'
import { KeypointVisibility } from './KeypointVisibility'

interface Props {
  canvas: AnnotationCanvas | null
  state: EditorState | null
  labels: EditorLabel[]
  shapes: Shape[]
  predictions: Prediction[]
  accepted: ReadonlySet<number>
  onAccept: (prediction: Prediction) => void
  readOnly: boolean
  /** a reviewer's view: no pre-labels, no how-to */
  reviewing?: boolean
}

export function EditorSidebar({ canvas, state, labels, shapes, predictions, accepted, onAccept, readOnly, reviewing = false }: Props) {
  const { t } = useTranslation(['editor', 'annotate'])
  const hidden = new Set(state?.hidden ?? [])
  const locked = new Set(state?.locked ?? [])
  const selected = shapes.find((s) => s.id === state?.selectedId)
  const byValue = new Map(labels.map((l) => [l.value, l]))
  const withShapes = predictions.filter((p) => p.result.length > 0)
  const drawLabels = labels.filter((l) => !isTagOnly(l))
  const tagLabels = labels.filter((l) => l.tools.includes('tag'))
  const tagged = new Set(shapes.filter((s) => s.type === 'tag').map((s) => s.label))
  const drawn = shapes.filter((s) => s.type !== 'tag')
  return (
    <>
      <section className="panel">
        <h3>{t('labels.title')}</h3>
        {labels.length === 0 && <p className="muted small">{t('labels.none')}</p>}
        <ul className="label-list" data-testid="label-list">
          {drawLabels.map((l) => (
            <li key={l.value}>
              <button
                type="button"
                className={state?.activeLabel === l.value ? 'label-btn active' : 'label-btn'}
                disabled={readOnly}
                onClick={() => {
                  canvas?.setActiveLabel(l.value)
                  canvas?.focus()
                }}
              >
                <LabelName color={l.color} name={l.name} hotkey={l.hotkey} />
              </button>
            </li>
          ))}
        </ul>
        {!readOnly && <p className="muted small">{t('labels.hint')}</p>}
      </section>

      {tagLabels.length > 0 && (
        <section className="panel" data-testid="tags">
          <h3>{t('tags.title')}</h3>
          {tagLabels.map((l) => (
            <label key={l.value} className="tag-option">
              <input type="checkbox" disabled={readOnly} checked={tagged.has(l.value)} onChange={() => canvas?.toggleTag(l.value)} />
              <LabelName color={l.color} name={l.name} hotkey={isTagOnly(l) ? l.hotkey : undefined} />
            </label>
          ))}
        </section>
      )}

      {!readOnly && withShapes.length > 0 && (
        <section className="panel" data-testid="predictions">
          <h3>{t('predictions.title')}</h3>
          {withShapes.map((p) => (
            <div key={p.id} className="prediction">
              <span>
                {p.model_version} · {t('predictions.count', { count: p.result.length })}
                {p.score != null && ` · ${Math.round(p.score * 100)}%`}
              </span>
              <button
                type="button"
                className="btn btn-small btn-primary"
                data-testid="accept-prediction"
                disabled={accepted.has(p.id)}
                onClick={() => onAccept(p)}
              >
                {accepted.has(p.id) ? t('predictions.accepted') : t('predictions.accept')}
              </button>
            </div>
          ))}
          <p className="muted small">{t('predictions.hint')}</p>
        </section>
      )}

      <section className="panel">
        <h3>{t('shapes.title', { count: drawn.length })}</h3>
        {drawn.length === 0 && <p className="muted small">{t('shapes.none')}</p>}
        <ul className="shape-list" data-testid="shape-list">
          {drawn.map((s, i) => {
            const label = byValue.get(s.label)
            return (
              <li key={s.id} className={state?.selectedId === s.id ? 'selected' : ''} data-shape-id={s.id}>
                <button type="button" className="shape-btn" onClick={() => canvas?.select(s.id)}>
                  <span className="swatch" style={{ background: label?.color ?? '#9aa5b1' }} />
                  {i + 1}. {label?.name ?? s.label} <span className="muted">{t(`shapeType.${s.type}`)}</span>
                  {hidden.has(s.id) && <span className="muted small"> · {t('annotate:shape.hidden')}</span>}
                  {locked.has(s.id) && <span className="muted small"> · {t('annotate:shape.locked')}</span>}
                </button>
                <button
                  type="button"
                  className="btn btn-small btn-quiet"
                  data-testid="shape-hide"
                  aria-pressed={hidden.has(s.id)}
                  title={`${t(hidden.has(s.id) ? 'annotate:shape.show' : 'annotate:shape.hide')} (Shift+H)`}
                  onClick={() => canvas?.toggleHidden(s.id)}
                >
                  {t(hidden.has(s.id) ? 'annotate:shape.show' : 'annotate:shape.hide')}
                </button>
                {!readOnly && (
                  <button
                    type="button"
                    className="btn btn-small btn-quiet"
                    data-testid="shape-lock"
                    aria-pressed={locked.has(s.id)}
                    title={`${t(locked.has(s.id) ? 'annotate:shape.unlock' : 'annotate:shape.lock')} (Shift+L)`}
                    onClick={() => canvas?.toggleLocked(s.id)}
                  >
                    {t(locked.has(s.id) ? 'annotate:shape.unlock' : 'annotate:shape.lock')}
                  </button>
                )}
                {!readOnly && !locked.has(s.id) && (
                  <button
                    type="button"
                    className="btn btn-small btn-quiet"
                    aria-label={t('shapes.delete')}
                    title={t('shapes.delete')}
                    onClick={() => {
                      canvas?.select(s.id)
                      canvas?.deleteSelected()
                    }}
                  >
                    ×
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      </section>

      {selected?.type === 'keypoints' && (
        <KeypointVisibility canvas={canvas} shape={selected} label={byValue.get(selected.label)} readOnly={readOnly || locked.has(selected.id)} />
      )}

      <ImageAdjust canvas={canvas} />

      {!readOnly && !reviewing && (
        <section className="panel help">
          <h3>{t('help.title')}</h3>
          <ul className="small muted">
            <li>{t('help.draw')}</li>
            <li>{t('help.polygon')}</li>
            <li>{t('help.segment')}</li>
            <li>{t('help.move')}</li>
            <li>{t('help.nudge')}</li>
            <li>{t('help.pan')}</li>
            <li>{t('help.keys')}</li>
          </ul>
        </section>
      )}
    </>
  )
}
