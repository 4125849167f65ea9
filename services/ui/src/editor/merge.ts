// Resolving a save conflict shape by shape: which shapes differ between my unsaved version and the one saved
// meanwhile, and the merged result of explicit choices. Pure, so it is unit-tested.
import { sameShape } from './diff'
import type { Shape } from './types'

export type Choice = 'mine' | 'theirs' | 'both'
export type ConflictKind = 'onlyMine' | 'onlyTheirs' | 'differs'

export interface ConflictRow {
  id: string
  kind: ConflictKind
  mine: Shape | null
  theirs: Shape | null
}

/** Shapes that differ (need a choice) and shapes that are the same in both (kept as they are). */
export function conflictRows(mine: readonly Shape[], theirs: readonly Shape[]): { rows: ConflictRow[]; same: number } {
  const mineById = new Map(mine.map((s) => [s.id, s]))
  const theirsById = new Map(theirs.map((s) => [s.id, s]))
  const rows: ConflictRow[] = []
  let same = 0
  for (const t of theirs) {
    const m = mineById.get(t.id)
    if (m && sameShape(m, t)) same += 1
    else if (m) rows.push({ id: t.id, kind: 'differs', mine: m, theirs: t })
    else if (mine.some((x) => sameShape(x, t) && !theirsById.has(x.id))) same += 1 // the same shape drawn twice
    else rows.push({ id: t.id, kind: 'onlyTheirs', mine: null, theirs: t })
  }
  for (const m of mine) {
    if (theirsById.has(m.id)) continue
    if (theirs.some((x) => sameShape(x, m) && !mineById.has(x.id))) continue
    rows.push({ id: m.id, kind: 'onlyMine', mine: m, theirs: null })
  }
  return { rows, same }
}

/** The merged shapes: theirs as saved, with every row resolved by its choice (undecided rows are an error). */
export function merge(mine: readonly Shape[], theirs: readonly Shape[], choices: Readonly<Record<string, Choice>>, newId: () => string): Shape[] {
  const { rows } = conflictRows(mine, theirs)
  const byId = new Map(rows.map((r) => [r.id, r]))
  const undecided = rows.filter((r) => !choices[r.id])
  if (undecided.length) throw new Error(`no choice for ${undecided.map((r) => r.id).join(', ')}`)
  const out: Shape[] = []
  for (const t of theirs) {
    const row = byId.get(t.id)
    if (!row) out.push(t)
    else if (row.kind === 'onlyTheirs') {
      if (choices[t.id] !== 'mine') out.push(t)
    } else {
      const choice = choices[t.id]
      if (choice === 'theirs' || choice === 'both') out.push(t)
      if (choice === 'mine') out.push(row.mine!)
      if (choice === 'both') out.push({ ...row.mine!, id: newId() })
    }
  }
  for (const row of rows) if (row.kind === 'onlyMine' && choices[row.id] !== 'theirs') out.push(row.mine!)
  return out
}
