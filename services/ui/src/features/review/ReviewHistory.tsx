// The reviewer's memory of an annotation: changes since the last review (colour-coded, also on the canvas),
// earlier decisions with their comments, and every version with who made it and when.
import { useTranslation } from 'react-i18next'
import type { AnnotationVersion, Review } from '../../api/types'
import { CHANGE_COLORS, countChanges, type ShapeChange } from '../../editor/diff'

interface Props {
  history: AnnotationVersion[]
  reviews: Review[]
  lastReviewedVersion: number | null
  changes: ShapeChange[] | null
  showChanges: boolean
  onShowChanges: (show: boolean) => void
  nameOf: (userId: number | null | undefined) => string
  shapeName: (id: string) => string | null
}

const KINDS = ['added', 'removed', 'moved', 'relabelled'] as const

export function ReviewHistory({ history, reviews, lastReviewedVersion, changes, showChanges, onShowChanges, nameOf, shapeName }: Props) {
  const { t, i18n } = useTranslation('review')
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language)
  const counts = changes ? countChanges(changes) : null
  return (
    <>
      <section className="panel" data-testid="review-diff">
        {lastReviewedVersion === null || !counts ? (
          <p className="muted small">{t('panel.diff.first')}</p>
        ) : (
          <>
            <h3>{t('panel.diff.title', { version: lastReviewedVersion })}</h3>
            <ul className="diff-legend">
              {KINDS.map((k) => (
                <li key={k} data-testid={`diff-${k}`} data-count={counts[k]}>
                  <span className="swatch" style={{ background: CHANGE_COLORS[k] }} /> {counts[k]} {t(`panel.diff.kind.${k}`)}
                </li>
              ))}
            </ul>
            {KINDS.every((k) => counts[k] === 0) && <p className="muted small">{t('panel.diff.none')}</p>}
            <label className="small">
              <input type="checkbox" checked={showChanges} onChange={(e) => onShowChanges(e.target.checked)} data-testid="show-changes" /> {t('panel.diff.show')}
            </label>
          </>
        )}
      </section>
      {reviews.length > 0 && (
        <section className="panel" data-testid="earlier-reviews">
          <h3>{t('panel.earlier.title')}</h3>
          <ul className="earlier-reviews small">
            {reviews.map((r) => (
              <li key={r.id}>
                <strong>{t(`panel.earlier.decision.${r.decision}`)}</strong> · {nameOf(r.reviewer_id)} · {t('panel.earlier.onVersion', { version: r.annotation_version })} ·{' '}
                <span className="muted">{when(r.created_at)}</span>
                {r.comment && <p className="review-comment">“{r.comment}”</p>}
                {r.shape_comments?.map((c) => (
                  <p key={c.shape_id} className="muted">
                    {shapeName(c.shape_id) ?? t('panel.diff.kind.removed')}: {c.comment}
                  </p>
                ))}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="panel" data-testid="version-history">
        <h3>{t('panel.history.title')}</h3>
        {history.length === 0 && <p className="muted small">{t('panel.history.empty')}</p>}
        <ol className="version-history small">
          {history.map((v) => (
            <li key={v.version}>
              v{v.version} · {t(`panel.history.reason.${v.reason}`, { defaultValue: v.reason })} · {t('panel.history.by', { name: nameOf(v.author_id) })} ·{' '}
              <span className="muted">{when(v.created_at)}</span>
            </li>
          ))}
        </ol>
      </section>
    </>
  )
}
