// The annotation editor page: the canvas with its toolbox and side panels, wired to the task on the server.
import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { predictions as predictionsApi, taskImageUrl, tasks as tasksApi, work } from '../../api/endpoints'
import type { Prediction } from '../../api/types'
import { setLeaveGuard } from '../../app/leaveGuard'
import { navigate } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { AnnotationCanvas, EditorState } from '../../editor/AnnotationCanvas'
import type { Notice } from '../../editor/tools'
import type { Shape } from '../../editor/types'
import { toEditorLabels } from '../projects/labels'
import { SuggestionsPanel } from '../suggestions/SuggestionsPanel'
import { asAccepted, suggestionsOf } from '../suggestions/suggestions'
import { useSuggestions } from '../suggestions/useSuggestions'
import { projectRole } from '../workspace/WorkspacePage'
import { ReviewPanel } from '../review/ReviewPanel'
import { ConflictDialog, type ConflictState } from './ConflictDialog'
import { EditorBanners } from './EditorBanners'
import { EditorBar } from './EditorBar'
import { EditorCanvas } from './EditorCanvas'
import { EditorSidebar } from './EditorSidebar'
import { ShortcutsOverlay } from './ShortcutsOverlay'
import { Toolbox } from './Toolbox'
import { saveLocalDraft } from './draftStore'
import { previousOf, skip as skipTask, visit } from './taskTrail'
import './annotate.css'
import { nextTask, takeImage } from './taskLoader'
import { localBase, useTaskAnnotation } from './useTaskAnnotation'

const NOTICE_MS = 3000
/** Unsubmitted work is saved as a server draft after this long without changes. */
const AUTOSAVE_MS = 20_000

export function EditorPage({ projectId, taskId, reviewAnnotationId }: { projectId: number; taskId: number; reviewAnnotationId?: number }) {
  const { t, i18n } = useTranslation(['editor', 'annotate'])
  const { user } = useSession()
  const doc = useTaskAnnotation({ projectId, taskId, userId: user.id, reviewAnnotationId })
  const { reviewing, loaded, saved, savedRef, save, setSave, applySaved, doSave, reloadLatest, setRestorable, conflict, resolveConflict } = doc
  const features = useQuery({ queryKey: ['project', projectId, 'editor-features'], queryFn: () => work.editorFeatures(projectId), staleTime: 60_000 })
  const smartSelect = features.data?.smart_select ?? false
  const [showShortcuts, setShowShortcuts] = useState(false)
  const [pageNotice, setPageNotice] = useState<string | null>(null)
  const [resolving, setResolving] = useState(false)
  /** the conflict whose dialog the user put aside ("not now"); a new conflict shows again */
  const [dismissed, setDismissed] = useState<ConflictState | null>(null)
  /** my accepted annotation: read-only until a reviewer reopens it (services/api/README.md) */
  const acceptedReadOnly = !reviewing && saved?.annotation?.status === 'accepted'

  const [canvas, setCanvas] = useState<AnnotationCanvas | null>(null)
  const [state, setState] = useState<EditorState | null>(null)
  const [shapes, setShapes] = useState<Shape[]>([])
  const [notice, setNotice] = useState<Notice | null>(null)
  const [imageError, setImageError] = useState(false)
  /** predictions already copied into the annotation: no longer drawn as suggestions */
  const [accepted, setAccepted] = useState<ReadonlySet<number>>(new Set())
  const labels = useMemo(() => toEditorLabels(loaded?.project.labels ?? [], i18n.language), [loaded?.project.labels, i18n.language])
  const dirty = state?.dirty ?? false
  useEffect(() => visit(projectId, taskId), [projectId, taskId])

  // in-app navigation with unsaved shapes asks first (closing the tab is the beforeunload below); the
  // canvas's own state is read at that moment, so a save just before navigating never asks
  useEffect(() => {
    if (!canvas) return
    setLeaveGuard(() => !canvas.getState().dirty || window.confirm(t('annotate:unsaved.confirm')))
    return () => setLeaveGuard(null)
  }, [canvas, t])

  // wire the canvas to the loaded task once both exist
  useEffect(() => {
    if (!canvas || !loaded) return
    const offState = canvas.on('state', setState)
    const offChange = canvas.on('change', (s) => {
      setShapes(s)
      if (!reviewing && canvas.getState().dirty && savedRef.current) saveLocalDraft(projectId, taskId, localBase(savedRef.current), s)
    })
    const offNotice = canvas.on('notice', setNotice)
    // reviewers may fix shapes too: the fixes are saved as a new version with their decision
    canvas.setReadOnly(false)
    if (!smartSelect) canvas.setSegmenter(null)
    else canvas.setSegmenter((point, label) =>
      predictionsApi.segment(projectId, taskId, point, label).then(
        (r) => {
          // a smart-select failure shown before is over; a refused save or submit stays on screen
          setSave((prev) => (prev.kind === 'error' && prev.source === 'segment' ? { kind: 'idle' } : prev))
          return r.shapes
        },
        (e: unknown) => {
          setSave({ kind: 'error', error: e, source: 'segment' })
          throw e
        },
      ),
    )
    if (savedRef.current) applySaved(canvas, savedRef.current)
    const url = taskImageUrl(loaded.task)
    canvas
      .loadImage(url, takeImage(url))
      .then(() => setImageError(false))
      .catch(() => setImageError(true))
    canvas.focus()
    return () => {
      offState()
      offChange()
      offNotice()
    }
  }, [canvas, loaded, applySaved, savedRef, setSave, projectId, taskId, reviewing, smartSelect])

  useEffect(() => {
    if (canvas && loaded) canvas.setReadOnly(acceptedReadOnly)
  }, [canvas, loaded, acceptedReadOnly])

  useEffect(() => {
    canvas?.setAriaLabel(t('canvasLabel'))
  }, [canvas, t])

  const openPredictions = useMemo(() => (loaded?.predictions ?? []).filter((p) => !accepted.has(p.id)), [loaded, accepted])
  // suggestions (dashed, with score) are drawn and decided one by one: features/suggestions
  const suggestions = useSuggestions({ projectId, taskId, predictions: openPredictions, shapes, canvas, labels, enabled: !reviewing })
  const role = projectRole(user, projectId)

  const acceptPrediction = useCallback(
    (prediction: Prediction) => {
      canvas?.acceptShapes(suggestionsOf([prediction]).map((s) => asAccepted(s)))
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

  const saveNow = useCallback(async (submit: boolean) => (canvas && loaded ? doSave(canvas, submit) : false), [canvas, loaded, doSave])

  // autosave drafts (never new annotation versions: those are the user's explicit saves)
  useEffect(() => {
    if (reviewing || !dirty || saved?.annotation || save.kind === 'saving' || save.kind === 'conflict') return
    const timer = window.setTimeout(() => void saveNow(false), AUTOSAVE_MS)
    return () => window.clearTimeout(timer)
  }, [shapes, dirty, saved, reviewing, saveNow, save.kind])

  const submitAndNext = useCallback(async () => {
    if (acceptedReadOnly) {
      navigate({ name: 'next', projectId })
      return
    }
    if (await saveNow(true)) navigate({ name: 'next', projectId })
  }, [saveNow, projectId, acceptedReadOnly])

  /** Leave this task for later (its lease goes back; a draft stays) and open the next one not skipped. */
  const skipToNext = useCallback(async () => {
    if (canvas?.getState().dirty && !window.confirm(t('annotate:unsaved.confirm'))) return
    setLeaveGuard(null)
    try {
      // the lease goes back while the next task is found (never this one: it is skipped), loaded and decoded
      const [next] = await Promise.all([nextTask(projectId, user.id, skipTask(projectId, taskId)), tasksApi.release(projectId, taskId).catch(() => undefined)])
      if (next) navigate({ name: 'task', projectId, taskId: next.id })
      else setPageNotice(t('annotate:skip.none'))
    } catch (e) {
      setSave({ kind: 'error', error: e })
    }
  }, [projectId, taskId, setSave, t, canvas, user.id])

  const goPrevious = useCallback(() => {
    const previous = previousOf(projectId, taskId)
    if (previous !== null) navigate({ name: 'task', projectId, taskId: previous })
  }, [projectId, taskId])

  // page-level keys: Ctrl+S saves; editor keys work even when focus left the canvas
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault()
        if (!reviewing) void saveNow(false)
        return
      }
      const target = e.target as HTMLElement | null
      const typing = !!target?.closest('input, textarea, select, [contenteditable]')
      if (!typing && !reviewing) {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          e.preventDefault()
          void submitAndNext()
          return
        }
        if (e.key === 'PageDown') {
          e.preventDefault()
          void skipToNext()
          return
        }
        if (e.key === 'PageUp') {
          e.preventDefault()
          goPrevious()
          return
        }
      }
      if (!typing && e.key === '?') {
        e.preventDefault()
        setShowShortcuts((v) => !v)
        return
      }
      if (!canvas || !target || target.closest('input, textarea, select, [contenteditable]') || target.tagName === 'CANVAS') return
      if (canvas.handleKey({ key: e.key, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey, alt: e.altKey })) e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [canvas, saveNow, reviewing, submitAndNext, skipToNext, goPrevious])

  if (doc.loadError) return <ErrorMessage error={doc.loadError} onRetry={() => void doc.load()} />

  return (
    <div className="editor" data-testid="editor">
      <EditorBar
        project={loaded?.project ?? null}
        task={loaded?.task ?? null}
        taskId={taskId}
        canvas={canvas}
        state={state}
        save={save}
        reviewing={reviewing}
        onSave={() => void saveNow(false)}
        onSubmit={() => void submitAndNext()}
      />
      <EditorBanners
        projectId={projectId}
        taskId={taskId}
        canvas={canvas}
        save={save}
        saved={saved}
        reviewing={reviewing}
        restorable={doc.restorable}
        onRestored={() => setRestorable(null)}
        onReload={() => canvas && void reloadLatest(canvas)}
        acceptedReadOnly={acceptedReadOnly}
        conflictSelf={conflict ? conflict.self : null}
        onCompare={conflict ? () => setDismissed(null) : undefined}
        shapeName={shapeName}
      />
      <div className="editor-body">
        <Toolbox canvas={canvas} state={state} smartSelect={smartSelect} onShortcuts={() => setShowShortcuts(true)} />
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
          {pageNotice && (
            <div className="toast" role="status" data-testid="page-notice" onAnimationEnd={() => setPageNotice(null)}>
              {pageNotice}
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
          {!reviewing && (
            <SuggestionsPanel
              projectId={projectId}
              taskId={taskId}
              suggestions={suggestions}
              labels={labels}
              canCurate={role === 'admin' || role === 'manager' || role === 'reviewer'}
              annotationId={!dirty && saved?.annotation ? saved.annotation.id : null}
              selected={shapes.find((s) => s.id === state?.selectedId) ?? null}
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
            readOnly={acceptedReadOnly}
            reviewing={reviewing}
          />
        </aside>
      </div>
      {showShortcuts && (
        <ShortcutsOverlay
          labels={labels}
          onClose={() => {
            setShowShortcuts(false)
            canvas?.focus()
          }}
        />
      )}
      {conflict && conflict !== dismissed && loaded && (
        <ConflictDialog
          conflict={conflict}
          labels={labels}
          image={{ url: taskImageUrl(loaded.task), width: loaded.task.width ?? 1, height: loaded.task.height ?? 1 }}
          saving={resolving}
          onCancel={() => setDismissed(conflict)}
          onResolve={(choices) => {
            if (!canvas) return
            setResolving(true)
            void resolveConflict(canvas, choices, () => crypto.randomUUID()).finally(() => setResolving(false))
          }}
        />
      )}
    </div>
  )
}
