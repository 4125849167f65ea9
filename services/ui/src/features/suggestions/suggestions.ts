// Suggestions: the shapes of a task's predictions, one per object, each accepted or rejected on its own.
// Pure functions (unit-tested); the panel and the canvas only display what these return.
import type { Prediction } from '../../api/types'
import type { Shape } from '../../editor/types'

export interface Suggestion {
  /** `<prediction id>/<shape id>`: stable across reloads */
  key: string
  predictionId: number
  modelVersion: string
  exemplarSets?: Record<string, number>
  shape: Shape
  score: number
}

export const DEFAULT_THRESHOLD = 0.5

/** One suggestion per object: a mask's companion box (`<id>:bbox`) and extra parts (`<id>:2`) are dropped
 * when the object's main shape is there; best score first. */
export function suggestionsOf(predictions: readonly Prediction[]): Suggestion[] {
  const out: Suggestion[] = []
  for (const p of predictions) {
    const ids = new Set(p.result.map((s) => s.id))
    for (const shape of p.result) {
      if (shape.type === 'tag') continue
      const base = shape.id.split(':')[0]
      if (base !== shape.id && ids.has(base)) continue
      out.push({
        key: `${p.id}/${shape.id}`,
        predictionId: p.id,
        modelVersion: p.model_version,
        exemplarSets: p.exemplar_sets ?? undefined,
        shape,
        score: shape.score ?? p.score ?? 1,
      })
    }
  }
  return out.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
}

export function thresholdOf(thresholds: Readonly<Record<string, number>>, label: string): number {
  return thresholds[label] ?? DEFAULT_THRESHOLD
}

/** Undecided suggestions at or above their label's threshold. */
export function pending(
  all: readonly Suggestion[],
  thresholds: Readonly<Record<string, number>>,
  decided: ReadonlySet<string>,
): Suggestion[] {
  return all.filter((s) => !decided.has(s.key) && s.score >= thresholdOf(thresholds, s.shape.label))
}

/** Per label: how many suggestions there are and how many pass the threshold. */
export function perLabel(all: readonly Suggestion[], thresholds: Readonly<Record<string, number>>, decided: ReadonlySet<string>) {
  const rows = new Map<string, { label: string; total: number; above: number }>()
  for (const s of all) {
    const row = rows.get(s.shape.label) ?? { label: s.shape.label, total: 0, above: 0 }
    row.total += 1
    if (!decided.has(s.key) && s.score >= thresholdOf(thresholds, s.shape.label)) row.above += 1
    rows.set(s.shape.label, row)
  }
  return [...rows.values()].sort((a, b) => a.label.localeCompare(b.label))
}

/** The annotator's shape for an accepted suggestion: the score goes, the provenance stays. */
export function asAccepted(s: Suggestion, edited = false): Shape {
  const copy: Shape = { ...s.shape }
  delete copy.score
  copy.provenance = {
    model_version: s.modelVersion,
    prediction_id: s.predictionId,
    shape_id: s.shape.id,
    ...(s.exemplarSets && s.exemplarSets[s.shape.label] !== undefined ? { exemplar_sets: { [s.shape.label]: s.exemplarSets[s.shape.label] } } : {}),
    ...(edited ? { edited: true } : {}),
  }
  return copy
}

/** Suggestions already in the annotation (by provenance): decided, even after a reload. */
export function acceptedKeys(shapes: readonly Shape[]): Set<string> {
  const keys = new Set<string>()
  for (const s of shapes) if (s.provenance?.prediction_id !== undefined && s.provenance.shape_id) keys.add(`${s.provenance.prediction_id}/${s.provenance.shape_id}`)
  return keys
}

export type SuggestionKey = { kind: 'accept' } | { kind: 'accept-all' } | { kind: 'reject' } | { kind: 'edit' } | { kind: 'next' } | { kind: 'previous' }

/** Suggestion keys: a accept, Shift+A accept all above the thresholds, x reject, e edit then accept,
 * ] next, [ previous. A label hotkey on the same key wins (the team's own keys always work). */
export function suggestionKey(e: { key: string; ctrl: boolean; alt: boolean; shift: boolean }, labelHotkeys: readonly string[]): SuggestionKey | null {
  if (e.ctrl || e.alt) return null
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  if (labelHotkeys.some((h) => h.toLowerCase() === key)) return null
  if (key === 'a') return e.shift ? { kind: 'accept-all' } : { kind: 'accept' }
  if (e.shift) return null
  if (key === 'x') return { kind: 'reject' }
  if (key === 'e') return { kind: 'edit' }
  if (key === ']') return { kind: 'next' }
  if (key === '[') return { kind: 'previous' }
  return null
}
