import { describe, expect, it } from 'vitest'
import { AddShapes, RemoveShape, ShapeDocument, UpdateShape } from './document'
import { History } from './history'
import type { BBoxShape } from './types'

const box = (id: string, x = 0): BBoxShape => ({ id, type: 'bbox', label: 'crack', x, y: 0, w: 5, h: 5 })

describe('undo history', () => {
  it('undoes and redoes add, update and remove', () => {
    const doc = new ShapeDocument()
    const h = new History(doc)
    h.execute(new AddShapes([box('a'), box('b')]))
    h.execute(new UpdateShape(box('a'), box('a', 9)))
    h.execute(new RemoveShape(box('b')))
    expect(doc.shapes).toEqual([box('a', 9)])
    h.undo()
    expect(doc.shapes).toEqual([box('a', 9), box('b')])
    h.undo()
    expect(doc.shapes).toEqual([box('a'), box('b')])
    h.redo()
    h.redo()
    expect(doc.shapes).toEqual([box('a', 9)])
    expect(h.canRedo).toBe(false)
  })

  it('restores a removed shape at its old position', () => {
    const doc = new ShapeDocument([box('a'), box('b'), box('c')])
    const h = new History(doc)
    h.execute(new RemoveShape(box('b')))
    h.undo()
    expect(doc.shapes.map((s) => s.id)).toEqual(['a', 'b', 'c'])
  })

  it('drops the oldest command past the cap', () => {
    const doc = new ShapeDocument()
    const h = new History(doc, 3)
    for (const id of ['a', 'b', 'c', 'd']) h.execute(new AddShapes([box(id)]))
    expect(h.size).toBe(3)
    while (h.undo());
    expect(doc.shapes.map((s) => s.id)).toEqual(['a'])
  })

  it('a new command clears the redo stack', () => {
    const doc = new ShapeDocument()
    const h = new History(doc)
    h.execute(new AddShapes([box('a')]))
    h.undo()
    h.execute(new AddShapes([box('b')]))
    expect(h.canRedo).toBe(false)
    expect(h.redo()).toBeNull()
  })

  it('markers identify document states across undo and redo', () => {
    const h = new History(new ShapeDocument())
    const clean = h.marker
    h.execute(new AddShapes([box('a')]))
    const saved = h.marker
    expect(saved).not.toBe(clean)
    h.execute(new AddShapes([box('b')]))
    h.undo()
    expect(h.marker).toBe(saved)
    h.undo()
    expect(h.marker).toBe(clean)
  })

  it('refuses a cap below one', () => {
    expect(() => new History(new ShapeDocument(), 0)).toThrow()
  })
})

describe('replace all', () => {
  it('swaps every shape and undoes in one step', async () => {
    const { ReplaceAll } = await import('./document')
    const doc = new ShapeDocument([box('a')])
    const h = new History(doc)
    h.execute(new ReplaceAll([box('b'), box('c')]))
    expect(doc.shapes.map((s) => s.id)).toEqual(['b', 'c'])
    h.undo()
    expect(doc.shapes.map((s) => s.id)).toEqual(['a'])
  })
})
