// The messages above the canvas: save conflict, errors, a rejection to rework, unsaved work to restore.
import { useTranslation } from 'react-i18next'
import { errorMessage } from '../../components/errors'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import type { Shape } from '../../editor/types'
import { clearLocalDraft } from './draftStore'
import type { Saved, SaveStatus } from './useTaskAnnotation'

interface Props {
  projectId: number
  taskId: number
  canvas: AnnotationCanvas | null
  save: SaveStatus
  saved: Saved | null
  reviewing: boolean
  restorable: Shape[] | null
  onRestored: () => void
  onReload: () => void
  shapeName: (id: string) => string | null
  /** my accepted annotation, read-only */
  acceptedReadOnly?: boolean
  /** the save I lost to was mine, in another tab (null: not known yet) */
  conflictSelf?: boolean | null
  /** reopen the side-by-side dialog */
  onCompare?: () => void
}

export function EditorBanners({ projectId, taskId, canvas, save, saved, reviewing, restorable, onRestored, onReload, shapeName, acceptedReadOnly = false, conflictSelf = null, onCompare }: Props) {
  const { t } = useTranslation(['editor', 'annotate'])
  const rejection = reviewing ? null : saved?.rejection
  return (
    <>
      {save.kind === 'conflict' && (
        <div className="alert alert-warn" role="alert" data-testid="conflict">
          <span>
            {conflictSelf
              ? t('annotate:conflict.bySelf', { version: save.version ?? '—' })
              : save.version
                ? t('conflict.messageVersion', { version: save.version })
                : t('conflict.message')}
          </span>
          {onCompare && (
            <button type="button" className="btn btn-small btn-primary" onClick={onCompare} data-testid="conflict-compare">
              {t('annotate:conflict.compare')}
            </button>
          )}
          <button type="button" className="btn btn-small" onClick={onReload} data-testid="conflict-reload">
            {t('conflict.reload')}
          </button>
        </div>
      )}
      {save.kind === 'error' && (
        <div className="alert alert-error" role="alert" data-testid="error">
          {errorMessage(save.error)}
        </div>
      )}
      {acceptedReadOnly && (
        <div className="alert alert-info" role="status" data-testid="accepted-read-only">
          {t('annotate:accepted.readOnly')}
        </div>
      )}
      {rejection && (
        <div className="alert alert-warn" role="status" data-testid="rejection">
          <strong>{rejection.decision === 'reopen' ? t('annotate:accepted.reopened') : t('rejected.title')}</strong>
          <span>
            {rejection.comment || (rejection.shape_comments?.length ? '' : t('rejected.noComment'))}
            {rejection.shape_comments?.map((c) => (
              <button type="button" key={c.shape_id} className="link-btn" onClick={() => canvas?.select(c.shape_id)}>
                {shapeName(c.shape_id) ?? t('rejected.removedShape')}: {c.comment}
              </button>
            ))}
          </span>
        </div>
      )}
      {restorable && (
        <div className="alert alert-info" role="status">
          <span>{t('draft.found')}</span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              canvas?.replaceShapes(restorable)
              onRestored()
            }}
          >
            {t('draft.restore')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => {
              clearLocalDraft(projectId, taskId)
              onRestored()
            }}
          >
            {t('draft.discard')}
          </button>
        </div>
      )}
    </>
  )
}
