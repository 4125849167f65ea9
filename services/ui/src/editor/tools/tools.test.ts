import { describe, expect, it } from 'vitest'
import { ShapeDocument } from '../document'
import { History } from '../history'
import type { BBoxShape, EditorLabel, KeypointsShape, PolygonShape, Shape } from '../types'
import { BoxTool } from './boxTool'
import { KeypointsTool } from './keypointsTool'
import { PolygonTool } from './polygonTool'
import { SegmentTool } from './segmentTool'
import { SelectTool } from './selectTool'
import type { Notice, ToolContext } from './tool'

const crack: EditorLabel = { value: 'crack', name: 'Crack', color: '#e00', tools: ['bbox', 'polygon'] }

function harness(shapes: Shape[] = [], label: EditorLabel | null = crack, scale = 1) {
  const doc = new ShapeDocument(shapes)
  const history = new History(doc)
  const notices: Notice[] = []
  let selected: string | null = null
  let n = 0
  const panned: [number, number][] = []
  const ctx: ToolContext = {
    image: { width: 200, height: 100 },
    scale,
    get shapes() {
      return doc.shapes
    },
    get selectedId() {
      return selected
    },
    label,
    newId: () => `s${++n}`,
    commit: (cmd) => history.execute(cmd),
    select: (id) => {
      selected = id
    },
    pan: (dx, dy) => panned.push([dx, dy]),
    notify: (x) => notices.push(x),
    redraw: () => undefined,
  }
  return { ctx, doc, history, notices, panned, selected: () => selected }
}

// at scale 1 the screen and image coordinates coincide
const at = (x: number, y: number) => ({ image: { x, y }, screen: { x, y } })

describe('box tool', () => {
  it('goes idle -> pointing -> drawing and commits one box on release', () => {
    const h = harness()
    const tool = new BoxTool()
    tool.down(h.ctx, at(10, 10))
    expect(tool.state).toBe('pointing')
    tool.move(h.ctx, at(11, 10))
    expect(tool.state).toBe('pointing')
    tool.move(h.ctx, at(50, 40))
    expect(tool.state).toBe('drawing')
    expect(tool.preview()).toMatchObject({ x: 10, y: 10, w: 40, h: 30 })
    tool.up(h.ctx, at(60, 30))
    expect(tool.state).toBe('idle')
    expect(h.doc.shapes).toEqual([{ id: 's1', type: 'bbox', label: 'crack', x: 10, y: 10, w: 50, h: 20 }])
    expect(h.selected()).toBe('s1')
    h.history.undo()
    expect(h.doc.shapes).toEqual([])
  })

  it('a click is not a box; a drag past the image edge is clamped', () => {
    const h = harness()
    const tool = new BoxTool()
    tool.down(h.ctx, at(10, 10))
    tool.up(h.ctx, at(11, 11))
    expect(h.doc.shapes).toEqual([])
    tool.down(h.ctx, at(190, 90))
    tool.up(h.ctx, at(400, 300))
    expect(h.doc.shapes[0]).toMatchObject({ x: 190, y: 90, w: 10, h: 10 })
  })

  it('refuses to draw without a label, or with a label not allowed for boxes', () => {
    for (const label of [null, { ...crack, tools: ['polygon' as const] }]) {
      const h = harness([], label)
      const tool = new BoxTool()
      tool.down(h.ctx, at(0, 0))
      tool.up(h.ctx, at(50, 50))
      expect(h.doc.shapes).toEqual([])
      expect(h.notices).toEqual([label ? 'labelNotAllowed' : 'noLabel'])
    }
  })

  it('Escape cancels a drag', () => {
    const h = harness()
    const tool = new BoxTool()
    tool.down(h.ctx, at(0, 0))
    tool.move(h.ctx, at(30, 30))
    expect(tool.key(h.ctx, 'Escape')).toBe(true)
    tool.up(h.ctx, at(30, 30))
    expect(h.doc.shapes).toEqual([])
  })
})

describe('polygon tool', () => {
  it('adds a vertex per click and closes on the first vertex', () => {
    const h = harness()
    const tool = new PolygonTool()
    tool.down(h.ctx, at(10, 10))
    tool.down(h.ctx, at(50, 10))
    tool.down(h.ctx, at(50, 50))
    tool.move(h.ctx, at(20, 40))
    expect(tool.cursor()).toEqual({ x: 20, y: 40 })
    tool.down(h.ctx, at(12, 11))
    expect(tool.state).toBe('idle')
    const poly = h.doc.shapes[0] as PolygonShape
    expect(poly.points).toEqual([[10, 10], [50, 10], [50, 50]])
  })

  it('needs three points; Backspace removes the last; Enter closes', () => {
    const h = harness()
    const tool = new PolygonTool()
    tool.down(h.ctx, at(10, 10))
    tool.down(h.ctx, at(50, 10))
    tool.key(h.ctx, 'Enter')
    expect(h.notices).toEqual(['needMorePoints'])
    expect(tool.state).toBe('drawing')
    tool.down(h.ctx, at(90, 90))
    tool.key(h.ctx, 'Backspace')
    tool.down(h.ctx, at(50, 50))
    tool.down(h.ctx, at(50, 50)) // double click: no duplicate vertex
    tool.key(h.ctx, 'Enter')
    expect((h.doc.shapes[0] as PolygonShape).points).toEqual([[10, 10], [50, 10], [50, 50]])
  })

  it('Escape drops the polygon in progress', () => {
    const h = harness()
    const tool = new PolygonTool()
    tool.down(h.ctx, at(10, 10))
    tool.key(h.ctx, 'Escape')
    expect(tool.preview()).toBeNull()
  })
})

describe('keypoints tool', () => {
  it('finishes by itself when the skeleton is complete', () => {
    const pin: EditorLabel = { value: 'pin', name: 'Pin', color: '#00e', tools: ['keypoints'], skeleton: { name: 'pin2', points: ['head', 'tail'] } }
    const h = harness([], pin)
    const tool = new KeypointsTool()
    tool.down(h.ctx, at(1, 2))
    expect(tool.nextPointName()).toBe('tail')
    tool.down(h.ctx, at(3, 4))
    expect(tool.state).toBe('idle')
    expect(h.doc.shapes[0] as KeypointsShape).toEqual({
      id: 's1', type: 'keypoints', label: 'pin', skeleton: 'pin2', points: [[1, 2, 2], [3, 4, 2]],
    })
  })

  it('without a skeleton, Enter finishes', () => {
    const h = harness([], { ...crack, tools: [] })
    const tool = new KeypointsTool()
    tool.down(h.ctx, at(1, 2))
    tool.key(h.ctx, 'Enter')
    expect(h.doc.shapes).toHaveLength(1)
  })
})

describe('select tool', () => {
  const box: BBoxShape = { id: 'b', type: 'bbox', label: 'crack', x: 10, y: 10, w: 40, h: 20 }

  it('selects on click without changing anything', () => {
    const h = harness([box])
    const tool = new SelectTool()
    tool.down(h.ctx, at(20, 20))
    tool.up(h.ctx, at(20, 20))
    expect(h.selected()).toBe('b')
    expect(h.history.canUndo).toBe(false)
  })

  it('moves a shape as one undoable step', () => {
    const h = harness([box])
    const tool = new SelectTool()
    tool.down(h.ctx, at(20, 20))
    tool.move(h.ctx, at(25, 22))
    expect(tool.state).toBe('moving')
    tool.move(h.ctx, at(30, 25))
    expect(h.doc.shapes[0]).toEqual(box) // the document changes on release only
    tool.up(h.ctx, at(30, 25))
    expect(h.doc.shapes[0]).toMatchObject({ x: 20, y: 15 })
    h.history.undo()
    expect(h.doc.shapes[0]).toEqual(box)
  })

  it('resizes the selected box by a handle', () => {
    const h = harness([box])
    h.ctx.select('b')
    const tool = new SelectTool()
    tool.down(h.ctx, at(50, 30))
    expect(tool.state).toBe('resizing')
    tool.up(h.ctx, at(70, 60))
    expect(h.doc.shapes[0]).toMatchObject({ x: 10, y: 10, w: 60, h: 50 })
  })

  it('drags a polygon vertex', () => {
    const poly: PolygonShape = { id: 'p', type: 'polygon', label: 'crack', points: [[100, 10], [150, 10], [150, 50]] }
    const h = harness([poly])
    h.ctx.select('p')
    const tool = new SelectTool()
    tool.down(h.ctx, at(150, 50))
    expect(tool.state).toBe('vertex')
    tool.up(h.ctx, at(160, 70))
    expect((h.doc.shapes[0] as PolygonShape).points[2]).toEqual([160, 70])
  })

  it('deselects and pans on empty space', () => {
    const h = harness([box])
    h.ctx.select('b')
    const tool = new SelectTool()
    tool.down(h.ctx, at(150, 80))
    tool.move(h.ctx, at(160, 85))
    tool.up(h.ctx, at(160, 85))
    expect(h.selected()).toBeNull()
    expect(h.panned).toEqual([[10, 5], [0, 0]])
  })
})

describe('segment tool', () => {
  const flush = () => new Promise((r) => setTimeout(r, 0))

  it('idle -> pointing -> waiting -> the model\'s shape, with the active label', async () => {
    const h = harness()
    const asked: [number, number, string][] = []
    h.ctx.segment = async (p, label) => {
      asked.push([p.x, p.y, label])
      return [{ id: 'm', type: 'polygon', label: 'crack', points: [[1, 1], [9, 1], [9, 9]], score: 0.9 }]
    }
    const tool = new SegmentTool()
    tool.down(h.ctx, at(5, 5))
    expect(tool.state).toBe('pointing')
    tool.up(h.ctx, at(5, 5))
    expect(tool.state).toBe('waiting')
    expect(tool.cursor()).toEqual({ x: 5, y: 5 })
    await flush()
    expect(asked).toEqual([[5, 5, 'crack']])
    expect(tool.state).toBe('idle')
    expect(h.doc.shapes).toEqual([{ id: 's1', type: 'polygon', label: 'crack', points: [[1, 1], [9, 1], [9, 9]] }])
    expect(h.selected()).toBe('s1')
  })

  it('keeps only the shape types the label allows (no companion box on a polygon-only label)', async () => {
    const h = harness([], { ...crack, tools: ['polygon'] })
    h.ctx.segment = async () => [
      { id: 'm', type: 'polygon', label: 'crack', points: [[1, 1], [9, 1], [9, 9]], score: 0.9 },
      { id: 'm:bbox', type: 'bbox', label: 'crack', x: 1, y: 1, w: 8, h: 8, score: 0.9 },
    ]
    const tool = new SegmentTool()
    tool.down(h.ctx, at(5, 5))
    tool.up(h.ctx, at(5, 5))
    await flush()
    expect(h.doc.shapes.map((s) => s.type)).toEqual(['polygon'])
  })

  it('a drag pans and asks nothing; Escape drops a late answer', async () => {
    const h = harness()
    let calls = 0
    h.ctx.segment = async () => {
      calls++
      return [{ id: 'm', type: 'bbox', label: 'crack', x: 1, y: 1, w: 5, h: 5 }]
    }
    const tool = new SegmentTool()
    tool.down(h.ctx, at(5, 5))
    tool.move(h.ctx, at(25, 5))
    tool.up(h.ctx, at(25, 5))
    expect(calls).toBe(0)
    expect(h.panned.length).toBeGreaterThan(0)
    tool.down(h.ctx, at(5, 5))
    tool.up(h.ctx, at(5, 5))
    tool.key(h.ctx, 'Escape')
    await flush()
    expect(h.doc.shapes).toEqual([])
  })

  it('says so when the model finds nothing, and survives a failure', async () => {
    const h = harness()
    h.ctx.segment = async () => []
    const tool = new SegmentTool()
    tool.down(h.ctx, at(5, 5))
    tool.up(h.ctx, at(5, 5))
    await flush()
    expect(h.notices).toEqual(['segmentEmpty'])
    h.ctx.segment = () => Promise.reject(new Error('503'))
    tool.down(h.ctx, at(5, 5))
    tool.up(h.ctx, at(5, 5))
    await flush()
    expect(tool.state).toBe('idle')
  })
})
