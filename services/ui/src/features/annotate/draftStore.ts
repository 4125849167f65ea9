// Unsaved shapes kept in the browser, so a crash or closed tab never loses work.
import type { Shape } from '../../editor/types'

interface LocalDraft {
  baseVersion: number
  shapes: Shape[]
  savedAt: number
}

const key = (projectId: number, taskId: number) => `labelhive.draft.${projectId}.${taskId}`

export function saveLocalDraft(projectId: number, taskId: number, baseVersion: number, shapes: Shape[]): void {
  try {
    localStorage.setItem(key(projectId, taskId), JSON.stringify({ baseVersion, shapes, savedAt: Date.now() } satisfies LocalDraft))
  } catch {
    // storage full or disabled: the server copy is still the source of truth
  }
}

/** A draft made on top of `baseVersion` that differs from `current`, or null. */
export function loadLocalDraft(projectId: number, taskId: number, baseVersion: number, current: Shape[]): Shape[] | null {
  try {
    const raw = localStorage.getItem(key(projectId, taskId))
    if (!raw) return null
    const draft = JSON.parse(raw) as LocalDraft
    if (draft.baseVersion !== baseVersion || !Array.isArray(draft.shapes)) return null
    return JSON.stringify(draft.shapes) === JSON.stringify(current) ? null : draft.shapes
  } catch {
    return null
  }
}

export function clearLocalDraft(projectId: number, taskId: number): void {
  localStorage.removeItem(key(projectId, taskId))
}
