import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { annotations as annotationsApi, drafts as draftsApi, predictions as predictionsApi, projects as projectsApi, taskImageUrl, tasks as tasksApi } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import type { Annotation, Draft, Prediction, Project, Review, Task } from '../../api/types'
import { navigate, routeHref } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { errorMessage } from '../../components/errors'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import type { Notice } from '../../editor/tools'
import type { Shape } from '../../editor/types'
import { toEditorLabels } from '../projects/labels'
import { ReviewPanel } from '../review/ReviewPanel'
import { EditorCanvas } from './EditorCanvas'
import { EditorSidebar } from './EditorSidebar'
import { Toolbox } from './Toolbox'
import { clearLocalDraft, loadLocalDraft, saveLocalDraft } from './draftStore'

interface Loaded {
  project: Project
  task: Task
  predictions: Prediction[]
}

/** What is saved on the server for me: a submitted annotation, a draft, or neither. */
interface Saved {
  annotation: Annotation | null
  draft: Draft | null
  /** the reviewer's last word when my annotation was rejected */
  rejection: Review | null
}

type SaveStatus = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'conflict'; version: number | null } | { kind: 'error'; error: unknown }

const NOTICE_MS = 3000
/** Unsubmitted work is saved as a server draft after this long without changes. */
const AUTOSAVE_MS = 20_000

/** The server version local (browser) drafts are based on: annotation version, else draft version. */
function localBase(saved: Saved): number {
  return saved.annotation ? saved.annotation.version : -(saved.draft?.version ?? 0)
}

export function EditorPage({ projectId, taskId, reviewAnnotationId }: { projectId: number; taskId: number; reviewAnnotationId?: number }) {
  const { t, i18n } = useTranslation(['editor', 'projects', 'common'])
  const { user } = useSession()
  const reviewing = reviewAnnotationId !== undefined
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [canvas, setCanvas] = useState<AnnotationCanvas | null>(null)
  const [state, setState] = useState<EditorState | null>(null)
  const [shapes, setShapes] = useState<Shape[]>([])
  const [save, setSave] = useState<SaveStatus>({ kind: 'idle' })
  const [notice, setNotice] = useState<Notice | null>(null)
  const [restorable, setRestorable] = useState<Shape[] | null>(null)
  const [imageError, setImageError] = useState(false)
  /** predictions already copied into the annotation: no longer drawn as suggestions */
  const [accepted, setAccepted] = useState<ReadonlySet<number>>(new Set())
  const [saved, setSaved] = useState<Saved | null>(null)
  const savedRef = useRef<Saved | null>(null)
  const openedAt = useRef(0)

  /** What the server holds for this task: mine (annotation + draft), or the one under review. */
  const fetchSaved = useCallback(async (): Promise<Saved> => {
    if (reviewing) return { annotation: await annotationsApi.get(projectId, reviewAnnotationId), draft: null, rejection: null }
    const [annotation, draft] = await Promise.all([annotationsApi.mine(projectId, taskId, user.id), draftsApi.get(projectId, taskId)])
    let rejection: Review | null = null
    if (annotation?.status === 'rejected') {
      const list = await annotationsApi.reviews(projectId, annotation.id).catch(() => [] as Review[])
      rejection = list.filter((r) => r.decision === 'reject').at(-1) ?? null
    }
    return { annotation, draft, rejection }
  }, [projectId, taskId, reviewing, reviewAnnotationId, user.id])

  const load = useCallback(async () => {
    setLoadError(null)
    try {
      const [project, task, current, predictions] = await Promise.all([
        projectsApi.get(projectId),
        tasksApi.get(projectId, taskId),
        fetchSaved(),
        reviewing ? Promise.resolve([]) : predictionsApi.forTask(projectId, taskId).catch(() => [] as Prediction[]),
      ])
      savedRef.current = current
      setSaved(current)
      setLoaded({ project, task, predictions })
    } catch (e) {
      setLoadError(e)
    }
  }, [projectId, taskId, reviewing, fetchSaved])

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load()
  }, [load])

  const labels = useMemo(() => toEditorLabels(loaded?.project.labels ?? [], i18n.language), [loaded?.project.labels, i18n.language])

  /** Put the server's copy into the canvas: clean, undo history empty. A draft is newer than the annotation (the server drops it on submit). */
  const applySaved = useCallback(
    (c: AnnotationCanvas, current: Saved) => {
      savedRef.current = current
      setSaved(current)
      const result = current.draft?.result ?? current.annotation?.result ?? []
      c.setShapes(result)
      if (!reviewing) setRestorable(loadLocalDraft(projectId, taskId, localBase(current), result))
    },
    [projectId, taskId, reviewing],
  )

  // wire the canvas to the loaded task once both exist
  useEffect(() => {
    if (!canvas || !loaded) return
    const offState = canvas.on('state', setState)
    const offChange = canvas.on('change', (s) => {
      setShapes(s)
      if (!reviewing && canvas.getState().dirty && savedRef.current) saveLocalDraft(projectId, taskId, localBase(savedRef.current), s)
    })
    const offNotice = canvas.on('notice', setNotice)
    // reviewers may fix shapes: the fixes are saved as a new version with their decision
    canvas.setReadOnly(false)
    canvas.setSegmenter((point, label) =>
      predictionsApi.segment(projectId, taskId, point, label).then(
        (r) => {
          setSave((prev) => (prev.kind === 'error' ? { kind: 'idle' } : prev))
          return r.shapes
        },
        (e: unknown) => {
          setSave({ kind: 'error', error: e })
          throw e
        },
      ),
    )
    if (savedRef.current) applySaved(canvas, savedRef.current)
    openedAt.current = performance.now()
    canvas
      .loadImage(taskImageUrl(loaded.task))
      .then(() => setImageError(false))
      .catch(() => setImageError(true))
    canvas.focus()
    return () => {
      offState()
      offChange()
      offNotice()
    }
  }, [canvas, loaded, applySaved, projectId, taskId, reviewing])

  useEffect(() => {
    canvas?.setAriaLabel(t('canvasLabel'))
  }, [canvas, t])

  useEffect(() => {
    canvas?.setPredictions((loaded?.predictions ?? []).filter((p) => !accepted.has(p.id)).flatMap((p) => p.result))
  }, [canvas, loaded, accepted])

  const acceptPrediction = useCallback(
    (prediction: Prediction) => {
      canvas?.acceptShapes(prediction.result)
      setAccepted((prev) => new Set(prev).add(prediction.id))
      canvas?.focus()
    },
    [canvas],
  )

  useEffect(() => {
    if (!notice) return
    const timer = window.setTimeout(() => setNotice(null), NOTICE_MS)
    return () => window.clearTimeout(timer)
  }, [notice])

  const dirty = state?.dirty ?? false

  /** How the shape list names a shape: "2. Crack" (null when it is gone). */
  const shapeName = useCallback(
    (id: string): string | null => {
      const drawn = shapes.filter((x) => x.type !== 'tag')
      const i = drawn.findIndex((x) => x.id === id)
      if (i < 0) return null
      return `${i + 1}. ${labels.find((l) => l.value === drawn[i].label)?.name ?? drawn[i].label}`
    },
    [shapes, labels],
  )

  // warn before leaving with unsaved work
  useEffect(() => {
    if (!dirty) return
    const warn = (e: BeforeUnloadEvent) => e.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [dirty])

  const leadTime = () => performance.now() - openedAt.current

  const doSave = useCallback(
    async (submit: boolean) => {
      if (!canvas || !loaded) return false
      setSave({ kind: 'saving' })
      const result = canvas.getShapes()
      const current = savedRef.current ?? { annotation: null, draft: null, rejection: null }
      try {
        let next: Saved
        if (current.annotation) {
          // a submitted annotation: every save is a new version based on the one I loaded
          const annotation = await annotationsApi.update(projectId, current.annotation.id, current.annotation.version, result, leadTime())
          next = { annotation, draft: null, rejection: annotation.status === 'rejected' ? current.rejection : null }
        } else if (submit) {
          next = { annotation: await annotationsApi.create(projectId, taskId, result, leadTime()), draft: null, rejection: null }
        } else {
          const draft = await draftsApi.save(projectId, taskId, current.draft?.version ?? 0, result, leadTime())
          next = { annotation: null, draft, rejection: null }
        }
        savedRef.current = next
        setSaved(next)
        canvas.markSaved()
        openedAt.current = performance.now() // lead time is per save
        clearLocalDraft(projectId, taskId)
        setSave({ kind: 'saved', at: new Date() })
        return true
      } catch (e) {
        if (e instanceof ApiError && (e.code === 'version_conflict' || e.code === 'annotation_exists')) {
          const version = e.body.current_version
          setSave({ kind: 'conflict', version: typeof version === 'number' && version > 0 ? version : null })
        } else setSave({ kind: 'error', error: e })
        return false
      }
    },
    [canvas, loaded, projectId, taskId],
  )

  const reloadLatest = useCallback(async () => {
    if (!canvas) return
    try {
      const current = await fetchSaved()
      clearLocalDraft(projectId, taskId)
      applySaved(canvas, current)
      setRestorable(null)
      setSave({ kind: 'idle' })
    } catch (e) {
      setSave({ kind: 'error', error: e })
    }
  }, [canvas, projectId, taskId, applySaved, fetchSaved])

  // autosave drafts (never new annotation versions: those are the user's explicit saves)
  useEffect(() => {
    if (reviewing || !dirty || saved?.annotation || save.kind === 'saving' || save.kind === 'conflict') return
    const timer = window.setTimeout(() => void doSave(false), AUTOSAVE_MS)
    return () => window.clearTimeout(timer)
  }, [shapes, dirty, saved, reviewing, doSave, save.kind])

  const submitAndNext = useCallback(async () => {
    if (await doSave(true)) navigate({ name: 'next', projectId })
  }, [doSave, projectId])

  // page-level keys: Ctrl+S saves; editor keys work even when focus left the canvas
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault()
        if (!reviewing) void doSave(false)
        return
      }
      const target = e.target as HTMLElement | null
      if (!canvas || !target || target.closest('input, textarea, select, [contenteditable]') || target.tagName === 'CANVAS') return
      if (canvas.handleKey({ key: e.key, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey, alt: e.altKey })) e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [canvas, doSave, reviewing])

  if (loadError) return <ErrorMessage error={loadError} onRetry={() => void load()} />

  const task = loaded?.task
  return (
    <div className="editor" data-testid="editor">
      <div className="editor-bar">
        <div className="editor-title">
          <a href={routeHref({ name: 'project', projectId })}>{loaded?.project.name ?? '…'}</a>
          <span className="sep">/</span>
          <span data-testid="task-title">{t('taskTitle', { id: taskId })}</span>
          {task?.filename && <span className="muted ellipsis"> {task.filename}</span>}
          {task && <span className={`pill pill-${task.state}`}>{t(`projects:state.${task.state}`)}</span>}
        </div>
        <div className="editor-actions">
          {!reviewing && (
            <span className="save-status" data-testid="save-status">
              {save.kind === 'saving' ? t('save.saving') : dirty ? t('save.unsaved') : save.kind === 'saved' ? t('save.saved') : t('save.clean')}
            </span>
          )}
          <button type="button" className="btn" disabled={!state?.canUndo} onClick={() => canvas?.undo()} title={t('hint.undo')}>
            {t('toolbar.undo')}
          </button>
          <button type="button" className="btn" disabled={!state?.canRedo} onClick={() => canvas?.redo()} title={t('hint.redo')}>
            {t('toolbar.redo')}
          </button>
          {!reviewing && (
            <>
              <button type="button" className="btn" data-testid="save" disabled={save.kind === 'saving'} onClick={() => void doSave(false)} title={t('hint.save')}>
                {t('toolbar.save')}
              </button>
              <button type="button" className="btn btn-primary" data-testid="submit" disabled={save.kind === 'saving'} onClick={() => void submitAndNext()}>
                {t('toolbar.submitNext')}
              </button>
            </>
          )}
        </div>
      </div>
      {save.kind === 'conflict' && (
        <div className="alert alert-warn" role="alert" data-testid="conflict">
          <span>{save.version ? t('conflict.messageVersion', { version: save.version }) : t('conflict.message')}</span>
          <button type="button" className="btn btn-small" onClick={() => void reloadLatest()} data-testid="conflict-reload">
            {t('conflict.reload')}
          </button>
        </div>
      )}
      {save.kind === 'error' && (
        <div className="alert alert-error" role="alert" data-testid="error">
          {errorMessage(save.error)}
        </div>
      )}
      {saved?.rejection && !reviewing && (
        <div className="alert alert-warn" role="status" data-testid="rejection">
          <strong>{t('rejected.title')}</strong>
          <span>
            {saved.rejection.comment || (saved.rejection.shape_comments?.length ? '' : t('rejected.noComment'))}
            {saved.rejection.shape_comments?.map((c) => (
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
              setRestorable(null)
            }}
          >
            {t('draft.restore')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-quiet"
            onClick={() => {
              clearLocalDraft(projectId, taskId)
              setRestorable(null)
            }}
          >
            {t('draft.discard')}
          </button>
        </div>
      )}
      <div className="editor-body">
        <Toolbox canvas={canvas} state={state} />
        <div className="stage-wrap">
          <EditorCanvas labels={labels} onReady={setCanvas} />
          {imageError && <div className="stage-message">{t('imageError')}</div>}
          {state?.busy && (
            <div className="hint-chip" role="status" data-testid="segmenting">
              {t('segmenting')}
            </div>
          )}
          {state?.nextPoint && (
            <div className="hint-chip" role="status">
              {t('nextPoint', { name: state.nextPoint })}
            </div>
          )}
          {notice && (
            <div className="toast" role="status" data-testid="notice">
              {t(`notice.${notice}`)}
            </div>
          )}
        </div>
        <aside className="sidebar">
          {reviewing && loaded && (
            <ReviewPanel
              projectId={projectId}
              annotation={saved?.annotation ?? null}
              canvas={canvas}
              dirty={dirty}
              selected={state?.selectedId ? { id: state.selectedId, name: shapeName(state.selectedId) ?? '' } : null}
              shapeName={shapeName}
            />
          )}
          <EditorSidebar
            canvas={canvas}
            state={state}
            labels={labels}
            shapes={shapes}
            predictions={loaded?.predictions ?? []}
            accepted={accepted}
            onAccept={acceptPrediction}
            readOnly={false}
            reviewing={reviewing}
          />
        </aside>
      </div>
    </div>
  )
}
