// This browser tab's path through a project's tasks: what "previous" goes back to, what "skip" passes over.
const key = (projectId: number, what: 'trail' | 'skipped') => `labelhive.${what}.${projectId}`

function read(projectId: number, what: 'trail' | 'skipped'): number[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(key(projectId, what)) ?? '[]')
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []
  } catch {
    return []
  }
}

function write(projectId: number, what: 'trail' | 'skipped', ids: number[]): void {
  sessionStorage.setItem(key(projectId, what), JSON.stringify(ids.slice(-200)))
}

/** Record that the task was opened (moving an earlier visit to the end). */
export function visit(projectId: number, taskId: number): void {
  write(projectId, 'trail', [...read(projectId, 'trail').filter((id) => id !== taskId), taskId])
}

/** The task opened before this one, if any. */
export function previousOf(projectId: number, taskId: number): number | null {
  const trail = read(projectId, 'trail').filter((id) => id !== taskId)
  return trail.at(-1) ?? null
}

export function skip(projectId: number, taskId: number): number[] {
  const ids = [...new Set([...read(projectId, 'skipped'), taskId])]
  write(projectId, 'skipped', ids)
  return ids
}
