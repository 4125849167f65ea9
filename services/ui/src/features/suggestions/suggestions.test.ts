import { describe, expect, it } from 'vitest'
import type { Prediction } from '../../api/types'
import { acceptedKeys, asAccepted, pending, perLabel, suggestionKey, suggestionsOf } from './suggestions'

const prediction: Prediction = {
  id: 7,
  task_id: 3,
  model_version: 'mobile-sam@6dbb90523a35+ex.0a1b2c3d',
  score: null,
  exemplar_sets: { crack: 4 },
  result: [
    { id: 'exemplar-1', type: 'polygon', label: 'crack', points: [[0, 0], [10, 0], [10, 10]], score: 0.9 },
    { id: 'exemplar-1:bbox', type: 'bbox', label: 'crack', x: 0, y: 0, w: 10, h: 10, score: 0.9 },
    { id: 'exemplar-2', type: 'bbox', label: 'dent', x: 20, y: 20, w: 5, h: 5, score: 0.4 },
    { id: 'exemplar-3', type: 'bbox', label: 'crack', x: 40, y: 40, w: 5, h: 5, score: 0.55 },
  ],
}

describe('suggestions', () => {
  it('keeps one shape per object, best score first', () => {
    expect(suggestionsOf([prediction]).map((s) => s.key)).toEqual(['7/exemplar-1', '7/exemplar-3', '7/exemplar-2'])
  })

  it('filters by each label threshold and by what was decided', () => {
    const all = suggestionsOf([prediction])
    expect(pending(all, {}, new Set()).map((s) => s.key)).toEqual(['7/exemplar-1', '7/exemplar-3'])
    expect(pending(all, { crack: 0.6, dent: 0.3 }, new Set(['7/exemplar-1'])).map((s) => s.key)).toEqual(['7/exemplar-2'])
    expect(perLabel(all, { crack: 0.6 }, new Set())).toEqual([
      { label: 'crack', total: 2, above: 1 },
      { label: 'dent', total: 1, above: 0 },
    ])
  })

  it('accepted shapes carry their provenance and no score; a reload knows them', () => {
    const [first] = suggestionsOf([prediction])
    const shape = asAccepted(first, true)
    expect(shape.score).toBeUndefined()
    expect(shape.provenance).toEqual({
      model_version: 'mobile-sam@6dbb90523a35+ex.0a1b2c3d',
      prediction_id: 7,
      shape_id: 'exemplar-1',
      exemplar_sets: { crack: 4 },
      edited: true,
    })
    expect([...acceptedKeys([shape])]).toEqual(['7/exemplar-1'])
  })

  it('maps keys, leaving label hotkeys alone', () => {
    const k = (key: string, shift = false) => suggestionKey({ key, shift, ctrl: false, alt: false }, ['1', 'x'])
    expect(k('a')).toEqual({ kind: 'accept' })
    expect(k('A', true)).toEqual({ kind: 'accept-all' })
    expect(k('x')).toBeNull()
    expect(k('e')).toEqual({ kind: 'edit' })
    expect(k(']')).toEqual({ kind: 'next' })
    expect(suggestionKey({ key: 'a', shift: false, ctrl: true, alt: false }, [])).toBeNull()
  })
})
