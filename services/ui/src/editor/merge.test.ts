import { describe, expect, it } from 'vitest'
import { conflictRows, merge } from './merge'
import type { Shape } from './types'

const box = (id: string, x: number, label = 'crack'): Shape => ({ id, type: 'bbox', label, x, y: 10, w: 20, h: 20 })
let n = 0
const newId = () => `new${++n}`

describe('conflict merge', () => {
  const mine = [box('a', 1), box('b', 50), box('m', 90)]
  const theirs = [box('a', 1), box('b', 60), box('t', 120)]

  it('lists only the shapes that differ', () => {
    const { rows, same } = conflictRows(mine, theirs)
    expect(same).toBe(1)
    expect(rows.map((r) => [r.id, r.kind])).toEqual([
      ['b', 'differs'],
      ['t', 'onlyTheirs'],
      ['m', 'onlyMine'],
    ])
  })

  it('keeps mine for one shape and theirs for another', () => {
    const merged = merge(mine, theirs, { b: 'mine', t: 'theirs', m: 'mine' }, newId)
    expect(merged).toEqual([box('a', 1), box('b', 50), box('t', 120), box('m', 90)])
  })

  it('drops a shape only by an explicit choice, and keeps both when asked', () => {
    const merged = merge(mine, theirs, { b: 'both', t: 'mine', m: 'theirs' }, newId)
    expect(merged.map((s) => s.id)).toEqual(['a', 'b', 'new1'])
    expect(merged[2]).toMatchObject({ x: 50 })
  })

  it('refuses to merge before every difference is decided', () => {
    expect(() => merge(mine, theirs, { b: 'mine' }, newId)).toThrow()
  })

  it('treats the same shape drawn in both tabs as one', () => {
    const { rows, same } = conflictRows([box('x', 5)], [box('y', 5)])
    expect(rows).toEqual([])
    expect(same).toBe(1)
  })
})
