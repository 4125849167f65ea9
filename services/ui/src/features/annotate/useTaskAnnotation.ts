// The task being edited and what the server holds for it; saving with optimistic concurrency.
import { useCallback, useEffect, useRef, useState } from 'react'
import { annotations as annotationsApi, drafts as draftsApi } from '../../api/endpoints'
import { ApiError } from '../../api/http'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import { merge, type Choice } from '../../editor/merge'
import type { Shape } from '../../editor/types'
import type { ConflictState } from './ConflictDialog'
import { clearLocalDraft, loadLocalDraft } from './draftStore'
import { fetchSaved as fetchSavedFor, loadTask, takePrimedData, type Loaded, type Saved } from './taskLoader'

export type { Loaded, Saved }

export type SaveStatus =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'conflict'; version: number | null }
  /** `source: 'segment'`: a smart-select request failed (cleared by the next one that works) */
  | { kind: 'error'; error: unknown; source?: 'segment' }

/** The server version local (browser) drafts are based on: annotation version, else draft version. */
export function localBase(saved: Saved): number {
  return saved.annotation ? saved.annotation.version : -(saved.draft?.version ?? 0)
}

interface Options {
  projectId: number
  taskId: number
  userId: number
  /** reviewing someone's annotation instead of editing mine */
  reviewAnnotationId?: number
}

export function useTaskAnnotation({ projectId, taskId, userId, reviewAnnotationId }: Options) {
  const reviewing = reviewAnnotationId !== undefined
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [saved, setSaved] = useState<Saved | null>(null)
  const savedRef = useRef<Saved | null>(null)
  const [save, setSave] = useState<SaveStatus>({ kind: 'idle' })
  /** unsaved work found in this browser for the loaded version */
  const [restorable, setRestorable] = useState<Shape[] | null>(null)
  const openedAt = useRef(0)
  /** a lost save race, until the user resolves it shape by shape */
  const [conflict, setConflict] = useState<ConflictState | null>(null)
  const latestRef = useRef<Saved | null>(null)

  /** What the server holds for this task: mine (annotation + draft), or the one under review. */
  const fetchSaved = useCallback(() => fetchSavedFor(projectId, taskId, userId, reviewAnnotationId), [projectId, taskId, reviewAnnotationId, userId])

  const load = useCallback(async () => {
    setLoadError(null)
    try {
      // primed when "next" found this task (taskLoader.ts); a failed primed load is retried here
      const primed = reviewing ? null : takePrimedData(projectId, taskId, userId)
      const { loaded: next, saved: current } = await (primed?.catch(() => loadTask(projectId, taskId, userId)) ?? loadTask(projectId, taskId, userId, reviewAnnotationId))
      savedRef.current = current
      setSaved(current)
      setLoaded(next)
    } catch (e) {
      setLoadError(e)
    }
  }, [projectId, taskId, userId, reviewing, reviewAnnotationId])

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load()
  }, [load])

  /** Put the server's copy into the canvas: clean, undo history empty. A draft is newer than the annotation (the server drops it on submit). */
  const applySaved = useCallback(
    (canvas: AnnotationCanvas, current: Saved) => {
      savedRef.current = current
      setSaved(current)
      const result = current.draft?.result ?? current.annotation?.result ?? []
      canvas.setShapes(result)
      openedAt.current = performance.now()
      if (!reviewing) setRestorable(loadLocalDraft(projectId, taskId, localBase(current), result))
    },
    [projectId, taskId, reviewing],
  )

  /**
   * Save the canvas: a new version of my annotation when I have one (based on the version I loaded),
   * else a draft, or on submit the first annotation. A stale base gets 409: status `conflict`.
   */
  const doSave = useCallback(
    async (canvas: AnnotationCanvas, submit: boolean): Promise<boolean> => {
      setSave({ kind: 'saving' })
      const result = canvas.getShapes()
      const leadTime = performance.now() - openedAt.current
      const current = savedRef.current ?? { annotation: null, draft: null, rejection: null }
      try {
        let next: Saved
        if (current.annotation) {
          const annotation = await annotationsApi.update(projectId, current.annotation.id, current.annotation.version, result, leadTime)
          next = { annotation, draft: null, rejection: annotation.status === 'rejected' || annotation.status === 'rework' ? current.rejection : null }
        } else if (submit) {
          next = { annotation: await annotationsApi.create(projectId, taskId, result, leadTime), draft: null, rejection: null }
        } else {
          const draft = await draftsApi.save(projectId, taskId, current.draft?.version ?? 0, result, leadTime)
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
          // what won the race, to show next to mine (nothing is dropped until the user chooses)
          try {
            const latest = await fetchSaved()
            latestRef.current = latest
            setConflict({
              mine: result,
              theirs: latest.draft?.result ?? latest.annotation?.result ?? [],
              version: latest.annotation?.version ?? null,
              self: !latest.annotation || latest.draft !== null || latest.annotation.updated_by === userId,
            })
          } catch {
            // the banner still offers to load the latest version
          }
        } else setSave({ kind: 'error', error: e })
        return false
      }
    },
    [projectId, taskId, fetchSaved, userId],
  )

  /** Apply the user's per-shape choices on top of the version that won, then save that as the next version. */
  const resolveConflict = useCallback(
    async (canvas: AnnotationCanvas, choices: Record<string, Choice>, newId: () => string): Promise<boolean> => {
      const latest = latestRef.current
      if (!latest || !conflict) return false
      const merged = merge(conflict.mine, conflict.theirs, choices, newId)
      savedRef.current = latest
      setSaved(latest)
      canvas.replaceShapes(merged)
      const ok = await doSave(canvas, false)
      if (ok) setConflict(null)
      return ok
    },
    [conflict, doSave],
  )

  /** After a conflict: take the server's latest version (my unsaved changes are dropped). */
  const reloadLatest = useCallback(
    async (canvas: AnnotationCanvas) => {
      try {
        const current = await fetchSaved()
        clearLocalDraft(projectId, taskId)
        applySaved(canvas, current)
        setConflict(null)
        setRestorable(null)
        setSave({ kind: 'idle' })
      } catch (e) {
        setSave({ kind: 'error', error: e })
      }
    },
    [projectId, taskId, applySaved, fetchSaved],
  )

  return { reviewing, loaded, loadError, load, saved, savedRef, save, setSave, restorable, setRestorable, applySaved, doSave, reloadLatest, conflict, setConflict, resolveConflict }
}
