import { describe, expect, it } from 'vitest'
import { countChanges, diffShapes, sameShape } from './diff'
import type { Shape } from './types'

const box = (id: string, x: number, label = 'crack'): Shape => ({ id, type: 'bbox', label, x, y: 10, w: 20, h: 20 })

describe('shape diff', () => {
  it('finds added, removed, moved and relabelled shapes by id', () => {
    const before = [box('a', 1), box('b', 2), box('c', 3), box('d', 4)]
    const after = [box('a', 1), box('b', 5), box('c', 3, 'porosity'), box('e', 6)]
    const kinds = Object.fromEntries(diffShapes(before, after).map((c) => [c.id, c.kind]))
    expect(kinds).toEqual({ a: 'same', b: 'moved', c: 'relabelled', d: 'removed', e: 'added' })
    expect(countChanges(diffShapes(before, after))).toEqual({ added: 1, removed: 1, moved: 1, relabelled: 1 })
  })

  it('keeps the removed shape itself so it can be drawn', () => {
    const [removed] = diffShapes([box('a', 1)], [])
    expect(removed.before).toEqual(box('a', 1))
    expect(removed.after).toBeNull()
  })

  it('compares content without ids or scores', () => {
    expect(sameShape(box('a', 1), { ...box('z', 1), score: 0.5 })).toBe(true)
    expect(sameShape(box('a', 1), box('a', 2))).toBe(false)
  })
})
