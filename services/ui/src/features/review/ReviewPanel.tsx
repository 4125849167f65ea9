import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { annotations as annotationsApi, reviews } from '../../api/endpoints'
import type { Annotation, ShapeComment } from '../../api/types'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import { navigate } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'

/** Accept or reject one annotation; a rejection needs a comment so the annotator knows what to fix. */
interface Props {
  projectId: number
  annotation: Annotation | null
  canvas: AnnotationCanvas | null
  /** the reviewer changed shapes: they are saved as a new version before the decision */
  dirty: boolean
  /** the selected shape, to comment on it, and how the list names it ("2. Crack") */
  selected: { id: string; name: string } | null
  shapeName: (id: string) => string | null
}

export function ReviewPanel({ projectId, annotation, canvas, dirty, selected, shapeName }: Props) {
  const { t } = useTranslation('review')
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [needComment, setNeedComment] = useState(false)
  const [shapeComments, setShapeComments] = useState<Record<string, string>>({})

  if (!annotation) return <p className="muted">{t('noAnnotation')}</p>

  async function decide(decision: 'accept' | 'reject') {
    if (!annotation) return
    const perShape: ShapeComment[] = Object.entries(shapeComments)
      .filter(([id, text]) => text.trim() && shapeName(id) !== null)
      .map(([id, text]) => ({ shape_id: id, comment: text.trim() }))
    if (decision === 'reject' && !comment.trim() && perShape.length === 0) {
      setNeedComment(true)
      return
    }
    setBusy(true)
    setError(null)
    try {
      let version = annotation.version
      if (dirty && canvas) version = (await annotationsApi.update(projectId, annotation.id, version, canvas.getShapes(), 0)).version
      await reviews.decide(projectId, annotation.id, decision, comment.trim(), version, perShape)
      navigate({ name: 'review', projectId })
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel review-panel" data-testid="review-panel">
      <h3>{t('panel.title')}</h3>
      <p className="muted small">{t('panel.version', { version: annotation.version })}</p>
      <label className="field">
        <span>{t('panel.comment')}</span>
        <textarea
          rows={3}
          value={comment}
          placeholder={t('panel.commentPlaceholder')}
          onChange={(e) => {
            setComment(e.target.value)
            setNeedComment(false)
          }}
        />
      </label>
      {selected && (
        <label className="field">
          <span>{t('panel.shapeComment', { shape: selected.name })}</span>
          <input
            data-testid="shape-comment"
            value={shapeComments[selected.id] ?? ''}
            onChange={(e) => {
              const text = e.target.value
              setShapeComments((prev) => ({ ...prev, [selected.id]: text }))
              setNeedComment(false)
            }}
          />
        </label>
      )}
      {Object.entries(shapeComments).some(([id, text]) => text.trim() && shapeName(id) !== null) && (
        <ul className="shape-comments small">
          {Object.entries(shapeComments)
            .filter(([id, text]) => text.trim() && shapeName(id) !== null)
            .map(([id, text]) => (
              <li key={id}>
                <strong>{shapeName(id)}</strong>: {text}
              </li>
            ))}
        </ul>
      )}
      {!selected && <p className="muted small">{t('panel.shapeCommentHint')}</p>}
      {needComment && <p className="field-error">{t('panel.commentRequired')}</p>}
      {dirty && (
        <p className="muted small" data-testid="review-fixes">
          {t('panel.fixesNote')}
        </p>
      )}
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void decide('accept')} data-testid="accept">
          {t('panel.accept')}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void decide('reject')} data-testid="reject">
          {t('panel.reject')}
        </button>
      </div>
    </section>
  )
}
