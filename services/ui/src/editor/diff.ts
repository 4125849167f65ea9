// What changed between two versions of an annotation, shape by shape (matched by id): for the reviewer's
// colour-coded overlay and the conflict dialog. Pure, so it is unit-tested.
import type { Shape } from './types'

export type ChangeKind = 'added' | 'removed' | 'moved' | 'relabelled' | 'same'

export interface ShapeChange {
  id: string
  kind: ChangeKind
  before: Shape | null
  after: Shape | null
}

export const CHANGE_COLORS: Readonly<Record<Exclude<ChangeKind, 'same'>, string>> = {
  added: '#2fbf71',
  removed: '#e4572e',
  moved: '#f5b700',
  relabelled: '#4aa3df',
}

function geometry(s: Shape): string {
  return JSON.stringify(s, (key, value: unknown) => (key === 'id' || key === 'label' || key === 'score' ? undefined : value))
}

/** Same shape content, ignoring the id (two tabs drew the same box). */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.label === b.label && geometry(a) === geometry(b)
}

/** One entry per shape id in either version, in `after`'s order then the removed ones. */
export function diffShapes(before: readonly Shape[], after: readonly Shape[]): ShapeChange[] {
  const old = new Map(before.map((s) => [s.id, s]))
  const changes: ShapeChange[] = after.map((s) => {
    const prev = old.get(s.id)
    if (!prev) return { id: s.id, kind: 'added', before: null, after: s }
    const kind: ChangeKind = geometry(prev) !== geometry(s) ? 'moved' : prev.label !== s.label ? 'relabelled' : 'same'
    return { id: s.id, kind, before: prev, after: s }
  })
  const now = new Set(after.map((s) => s.id))
  for (const s of before) if (!now.has(s.id)) changes.push({ id: s.id, kind: 'removed', before: s, after: null })
  return changes
}

export function countChanges(changes: readonly ShapeChange[]): Record<Exclude<ChangeKind, 'same'>, number> {
  const counts = { added: 0, removed: 0, moved: 0, relabelled: 0 }
  for (const c of changes) if (c.kind !== 'same') counts[c.kind] += 1
  return counts
}
