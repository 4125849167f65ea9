import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { annotations as annotationsApi, predictions as predictionsApi, projects as projectsApi, tasks as tasksApi } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import type { Annotation, Prediction, Project, Task } from '../../api/types'
import { navigate, routeHref } from '../../app/router'
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
  annotation: Annotation | null
  predictions: Prediction[]
}

type SaveStatus = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'conflict'; version: number | null } | { kind: 'error'; error: unknown }

const NOTICE_MS = 3000

export function EditorPage({ projectId, taskId, reviewAnnotationId }: { projectId: number; taskId: number; reviewAnnotationId?: number }) {
  const { t, i18n } = useTranslation(['editor', 'projects', 'common'])
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
  const baseVersion = useRef(0)
  const openedAt = useRef(0)

  const load = useCallback(async () => {
    setLoadError(null)
    try {
      const [project, task] = await Promise.all([projectsApi.get(projectId), tasksApi.get(projectId, taskId)])
      const [annotation, predictions] = await Promise.all([
        reviewing ? annotationsApi.get(projectId, reviewAnnotationId) : annotationsApi.mine(projectId, taskId),
        reviewing ? Promise.resolve([]) : predictionsApi.forTask(projectId, taskId).catch(() => [] as Prediction[]),
      ])
      setLoaded({ project, task, annotation, predictions })
    } catch (e) {
      setLoadError(e)
    }
  }, [projectId, taskId, reviewing, reviewAnnotationId])

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load()
  }, [load])

  const labels = useMemo(() => toEditorLabels(loaded?.project.labels ?? [], i18n.language), [loaded?.project.labels, i18n.language])

  /** Put an annotation (or nothing) into the canvas: clean, undo history empty. */
  const applyAnnotation = useCallback(
    (c: AnnotationCanvas, annotation: Annotation | null) => {
      baseVersion.current = annotation?.version ?? 0
      const result = annotation?.result ?? []
      c.setShapes(result)
      if (!reviewing) setRestorable(loadLocalDraft(projectId, taskId, baseVersion.current, result))
    },
    [projectId, taskId, reviewing],
  )

  // wire the canvas to the loaded task once both exist
  useEffect(() => {
    if (!canvas || !loaded) return
    const offState = canvas.on('state', setState)
    const offChange = canvas.on('change', (s) => {
      setShapes(s)
      if (!reviewing && canvas.getState().dirty) saveLocalDraft(projectId, taskId, baseVersion.current, s)
    })
    const offNotice = canvas.on('notice', setNotice)
    canvas.setReadOnly(reviewing)
    applyAnnotation(canvas, loaded.annotation)
    canvas.setPredictions(loaded.predictions.flatMap((p) => p.result))
    openedAt.current = performance.now()
    canvas
      .loadImage(loaded.task.image_url)
      .then(() => setImageError(false))
      .catch(() => setImageError(true))
    canvas.focus()
    return () => {
      offState()
      offChange()
      offNotice()
    }
  }, [canvas, loaded, applyAnnotation, projectId, taskId, reviewing])

  useEffect(() => {
    if (!notice) return
    const timer = window.setTimeout(() => setNotice(null), NOTICE_MS)
    return () => window.clearTimeout(timer)
  }, [notice])

  const dirty = state?.dirty ?? false

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
      try {
        const saved = submit
          ? await annotationsApi.submit(projectId, taskId, result, baseVersion.current, leadTime())
          : await annotationsApi.save(projectId, taskId, result, baseVersion.current, leadTime())
        if (saved && typeof saved.version === 'number') baseVersion.current = saved.version
        canvas.markSaved()
        clearLocalDraft(projectId, taskId)
        setSave({ kind: 'saved', at: new Date() })
        return true
      } catch (e) {
        if (e instanceof ApiError && e.status === 409) {
          const current = e.body.current_version
          setSave({ kind: 'conflict', version: typeof current === 'number' ? current : null })
        } else setSave({ kind: 'error', error: e })
        return false
      }
    },
    [canvas, loaded, projectId, taskId],
  )

  const reloadLatest = useCallback(async () => {
    if (!canvas) return
    try {
      const annotation = await annotationsApi.mine(projectId, taskId)
      clearLocalDraft(projectId, taskId)
      applyAnnotation(canvas, annotation)
      setRestorable(null)
      setSave({ kind: 'idle' })
    } catch (e) {
      setSave({ kind: 'error', error: e })
    }
  }, [canvas, projectId, taskId, applyAnnotation])

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
        {!reviewing && (
          <div className="editor-actions">
            <span className="save-status" data-testid="save-status">
              {save.kind === 'saving' ? t('save.saving') : dirty ? t('save.unsaved') : save.kind === 'saved' ? t('save.saved') : t('save.clean')}
            </span>
            <button type="button" className="btn" disabled={!state?.canUndo} onClick={() => canvas?.undo()} title={t('hint.undo')}>
              {t('toolbar.undo')}
            </button>
            <button type="button" className="btn" disabled={!state?.canRedo} onClick={() => canvas?.redo()} title={t('hint.redo')}>
              {t('toolbar.redo')}
            </button>
            <button type="button" className="btn" data-testid="save" disabled={save.kind === 'saving'} onClick={() => void doSave(false)} title={t('hint.save')}>
              {t('toolbar.save')}
            </button>
            <button type="button" className="btn btn-primary" data-testid="submit" disabled={save.kind === 'saving'} onClick={() => void submitAndNext()}>
              {t('toolbar.submitNext')}
            </button>
          </div>
        )}
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
        {!reviewing && <Toolbox canvas={canvas} state={state} />}
        <div className="stage-wrap">
          <EditorCanvas labels={labels} onReady={setCanvas} />
          {imageError && <div className="stage-message">{t('imageError')}</div>}
          {notice && (
            <div className="toast" role="status" data-testid="notice">
              {t(`notice.${notice}`)}
            </div>
          )}
        </div>
        <aside className="sidebar">
          {reviewing && loaded && <ReviewPanel projectId={projectId} annotation={loaded.annotation} />}
          <EditorSidebar
            canvas={canvas}
            state={state}
            labels={labels}
            shapes={shapes}
            predictions={loaded?.predictions ?? []}
            readOnly={reviewing}
          />
        </aside>
      </div>
    </div>
  )
}
