// Sidebar panel: suggestions per label with a score slider, the current suggestion, keyboard hints,
// and (for managers and reviewers) marking the selected shape as a golden sample of its label.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { exemplars } from '../../api/exemplars'
import type { EditorLabel, Shape } from '../../editor/types'
import { errorMessage } from '../../components/errors'
import './suggestions.css'
import type { SuggestionsState } from './useSuggestions'
import { thresholdOf } from './suggestions'

interface Props {
  projectId: number
  taskId: number
  suggestions: SuggestionsState
  labels: readonly EditorLabel[]
  /** managers and reviewers curate golden samples */
  canCurate: boolean
  /** the saved annotation the selected shape belongs to (null: not saved yet, or changed since) */
  annotationId: number | null
  selected: Shape | null
}

export function SuggestionsPanel({ projectId, taskId, suggestions, labels, canCurate, annotationId, selected }: Props) {
  const { t } = useTranslation('suggestions')
  const s = suggestions
  const nameOf = (value: string) => labels.find((l) => l.value === value)?.name ?? value
  return (
    <>
      {s.all.length > 0 && (
        <section className="panel" data-testid="suggestions">
          <h3>{t('title', { count: s.list.length })}</h3>
          {s.rows.map((row) => (
            <div key={row.label} className="suggestion-row" data-testid={`suggestion-label-${row.label}`}>
              <span className="label-name">{nameOf(row.label)}</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                aria-label={t('threshold', { label: nameOf(row.label) })}
                data-testid={`threshold-${row.label}`}
                value={thresholdOf(s.thresholds, row.label)}
                onChange={(e) => s.setThreshold(row.label, Number(e.target.value))}
              />
              <span className="muted small">
                ≥ {Math.round(thresholdOf(s.thresholds, row.label) * 100)}% · {t('above', { above: row.above, total: row.total })}
              </span>
            </div>
          ))}
          {s.focused ? (
            <div className="suggestion-current" data-testid="suggestion-current">
              <span>
                {nameOf(s.focused.shape.label)} · {Math.round(s.focused.score * 100)}%
              </span>
              <div className="btn-row">
                <button type="button" className="btn btn-small btn-primary" data-testid="suggestion-accept" onClick={() => s.accept()}>
                  {t('accept')} <kbd>A</kbd>
                </button>
                <button type="button" className="btn btn-small" data-testid="suggestion-edit" onClick={() => s.edit()}>
                  {t('edit')} <kbd>E</kbd>
                </button>
                <button type="button" className="btn btn-small" data-testid="suggestion-reject" onClick={() => s.reject()}>
                  {t('reject')} <kbd>X</kbd>
                </button>
                <button type="button" className="btn btn-small" aria-label={t('previous')} title={t('previous')} onClick={() => s.step(-1)}>
                  <kbd>[</kbd>
                </button>
                <button type="button" className="btn btn-small" aria-label={t('next')} title={t('next')} onClick={() => s.step(1)}>
                  <kbd>]</kbd>
                </button>
              </div>
              <button type="button" className="btn btn-small btn-primary" data-testid="suggestion-accept-all" onClick={() => s.acceptAll()}>
                {t('acceptAll', { count: s.list.length })} <kbd>Shift+A</kbd>
              </button>
            </div>
          ) : (
            <p className="muted small">{t('noneAbove')}</p>
          )}
          <p className="muted small">{t('hint')}</p>
        </section>
      )}
      {canCurate && <GoldenSample projectId={projectId} taskId={taskId} annotationId={annotationId} selected={selected} nameOf={nameOf} />}
    </>
  )
}

function GoldenSample({ projectId, taskId, annotationId, selected, nameOf }: { projectId: number; taskId: number; annotationId: number | null; selected: Shape | null; nameOf: (v: string) => string }) {
  const { t } = useTranslation('suggestions')
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const usable = selected && (selected.type === 'polygon' || selected.type === 'bbox')
  const mark = async () => {
    if (!selected || annotationId === null) return
    setBusy(true)
    try {
      const set = await exemplars.mark(projectId, selected.label, { task_id: taskId, annotation_id: annotationId, shape_id: selected.id })
      setMessage({ ok: true, text: t('marked', { label: nameOf(selected.label), version: set.version, count: set.exemplars.length }) })
    } catch (e) {
      setMessage({ ok: false, text: errorMessage(e) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="panel" data-testid="golden-sample">
      <h3>{t('golden.title')}</h3>
      {!usable && <p className="muted small">{t('golden.select')}</p>}
      {usable && annotationId === null && <p className="muted small">{t('golden.saveFirst')}</p>}
      {usable && annotationId !== null && (
        <button type="button" className="btn btn-small" data-testid="mark-exemplar" disabled={busy} onClick={() => void mark()}>
          {t('golden.mark', { label: nameOf(selected.label) })}
        </button>
      )}
      {message && (
        <p className={message.ok ? 'small' : 'small error'} role="status" data-testid="golden-message">
          {message.text}
        </p>
      )}
    </section>
  )
}
