import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { annotations as annotationsApi, reviews } from '../../api/endpoints'
import type { Annotation } from '../../api/types'
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
}

export function ReviewPanel({ projectId, annotation, canvas, dirty }: Props) {
  const { t } = useTranslation('review')
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [needComment, setNeedComment] = useState(false)

  if (!annotation) return <p className="muted">{t('noAnnotation')}</p>

  async function decide(decision: 'accept' | 'reject') {
    if (!annotation) return
    if (decision === 'reject' && !comment.trim()) {
      setNeedComment(true)
      return
    }
    setBusy(true)
    setError(null)
    try {
      let version = annotation.version
      if (dirty && canvas) version = (await annotationsApi.update(projectId, annotation.id, version, canvas.getShapes(), 0)).version
      await reviews.decide(projectId, annotation.id, decision, comment.trim(), version)
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
