// Accept, reject with comments, or reopen accepted work, only where the review state machine allows it;
// "accept & next" opens the next item of the queue. Earlier comments and the changes since the last review
// are shown beside (ReviewHistory) and on the canvas.
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { annotations as annotationsApi, reviews } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import type { Annotation, ShapeComment } from '../../api/types'
import { navigate } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import { ReviewHistory } from './ReviewHistory'
import { useReviewContext } from './useReviewContext'

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

type Decision = 'accept' | 'reject'

export function ReviewPanel({ projectId, annotation: loaded, canvas, dirty, selected, shapeName }: Props) {
  const { t } = useTranslation('review')
  const { user } = useSession()
  // a fresher copy after a refused or completed transition (else the one the page loaded)
  const [fresher, setAnnotation] = useState<Annotation | null>(null)
  const annotation = fresher && loaded && fresher.id === loaded.id && fresher.version >= loaded.version ? fresher : loaded
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [needComment, setNeedComment] = useState(false)
  const [shapeComments, setShapeComments] = useState<Record<string, string>>({})
  const [showChanges, setShowChanges] = useState(true)
  const [done, setDone] = useState(false)
  const context = useReviewContext(projectId, annotation)

  useEffect(() => {
    canvas?.setChanges(showChanges ? context.changes : null)
    return () => canvas?.setChanges(null)
  }, [canvas, context.changes, showChanges])

  if (!annotation) return <p className="muted">{t('noAnnotation')}</p>
  const own = annotation.user_id === user.id
  const actions = own ? [] : (annotation.next_actions ?? [])
  const canDecide = actions.includes('accept') && actions.includes('reject')
  const canReopen = actions.includes('reopen')
  const perShape = (): ShapeComment[] =>
    Object.entries(shapeComments)
      .filter(([id, text]) => text.trim() && shapeName(id) !== null)
      .map(([id, text]) => ({ shape_id: id, comment: text.trim() }))

  /** A refused transition: show why (translated) and the actions the current state allows. */
  async function refused(e: unknown) {
    setError(e)
    if (e instanceof ApiError && (e.code === 'invalid_transition' || e.code === 'version_conflict') && annotation) {
      setAnnotation(await annotationsApi.get(projectId, annotation.id).catch(() => annotation))
    }
  }

  async function openNext() {
    const page = await reviews.queue(projectId, null)
    const next = page.items.find((a) => a.id !== annotation?.id)
    if (next) navigate({ name: 'reviewTask', projectId, taskId: next.task_id, annotationId: next.id })
    else setDone(true)
  }

  async function decide(decision: Decision, andNext: boolean) {
    if (!annotation) return
    if (decision === 'reject' && !comment.trim() && perShape().length === 0) {
      setNeedComment(true)
      return
    }
    setBusy(true)
    setError(null)
    try {
      let version = annotation.version
      if (dirty && canvas) version = (await annotationsApi.update(projectId, annotation.id, version, canvas.getShapes(), 0)).version
      await reviews.decide(projectId, annotation.id, decision, comment.trim(), version, perShape())
      canvas?.markSaved()
      if (andNext) await openNext()
      else navigate({ name: 'review', projectId })
    } catch (e) {
      await refused(e)
    } finally {
      setBusy(false)
    }
  }

  async function reopen() {
    if (!annotation) return
    if (!comment.trim()) {
      setNeedComment(true)
      return
    }
    setBusy(true)
    setError(null)
    try {
      await annotationsApi.reopen(projectId, annotation.id, annotation.version, comment.trim())
      setAnnotation(await annotationsApi.get(projectId, annotation.id))
      setComment('')
    } catch (e) {
      await refused(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <section className="panel review-panel" data-testid="review-panel" data-status={annotation.status}>
        <h3>{t('panel.title')}</h3>
        <p className="muted small">
          {t('panel.version', { version: annotation.version })} · <span data-testid="review-status">{t(`status.${annotation.status}`)}</span>
        </p>
        {own && <p className="muted small">{t('panel.own')}</p>}
        {!own && !canDecide && !canReopen && <p className="muted small">{t('panel.noDecision', { state: t(`status.${annotation.status}`) })}</p>}
        {(canDecide || canReopen) && (
          <label className="field">
            <span>{canReopen ? t('panel.reopenReason') : t('panel.comment')}</span>
            <textarea
              rows={3}
              value={comment}
              data-testid="review-comment"
              placeholder={canReopen ? t('panel.reopenReason') : t('panel.commentPlaceholder')}
              onChange={(e) => {
                setComment(e.target.value)
                setNeedComment(false)
              }}
            />
          </label>
        )}
        {canDecide && selected && (
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
        {canDecide && perShape().length > 0 && (
          <ul className="shape-comments small">
            {perShape().map((c) => (
              <li key={c.shape_id}>
                <strong>{shapeName(c.shape_id)}</strong>: {c.comment}
              </li>
            ))}
          </ul>
        )}
        {canDecide && !selected && <p className="muted small">{t('panel.shapeCommentHint')}</p>}
        {needComment && <p className="field-error">{canReopen ? t('panel.reopenRequired') : t('panel.commentRequired')}</p>}
        {dirty && canDecide && (
          <p className="muted small" data-testid="review-fixes">
            {t('panel.fixesNote')}
          </p>
        )}
        <ErrorMessage error={error} />
        {done && <p className="muted" data-testid="queue-done">{t('panel.queueDone')}</p>}
        <div className="actions">
          {canDecide && (
            <>
              <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void decide('accept', true)} data-testid="accept-next">
                {t('panel.acceptNext')}
              </button>
              <button type="button" className="btn" disabled={busy} onClick={() => void decide('accept', false)} data-testid="accept">
                {t('panel.accept')}
              </button>
              <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void decide('reject', false)} data-testid="reject">
                {t('panel.reject')}
              </button>
            </>
          )}
          {canReopen && (
            <button type="button" className="btn" disabled={busy} onClick={() => void reopen()} data-testid="reopen">
              {t('panel.reopen')}
            </button>
          )}
        </div>
      </section>
      <ReviewHistory
        history={context.history}
        reviews={context.reviews}
        lastReviewedVersion={context.lastDecision?.annotation_version ?? null}
        changes={context.changes}
        showChanges={showChanges}
        onShowChanges={setShowChanges}
        nameOf={context.nameOf}
        shapeName={shapeName}
      />
    </>
  )
}
