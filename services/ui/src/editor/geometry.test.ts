import { describe, expect, it } from 'vitest'
import {
  boxFromCorners,
  clampBox,
  hitHandle,
  hitShape,
  hitTest,
  hitVertex,
  moveShape,
  moveVertex,
  pointInPolygon,
  resizeBox,
  roundShape,
  shapeBounds,
} from './geometry'
import type { BBoxShape, KeypointsShape, PolygonShape } from './types'

const image = { width: 100, height: 80 }
const box: BBoxShape = { id: 'b', type: 'bbox', label: 'crack', x: 10, y: 10, w: 20, h: 10 }
const tri: PolygonShape = { id: 'p', type: 'polygon', label: 'dent', points: [[50, 10], [70, 40], [30, 40]] }

describe('geometry', () => {
  it('builds a box from corners in any order', () => {
    expect(boxFromCorners({ x: 30, y: 5 }, { x: 10, y: 25 })).toEqual({ x: 10, y: 5, w: 20, h: 20 })
  })

  it('tests points inside polygons', () => {
    expect(pointInPolygon({ x: 50, y: 30 }, tri.points)).toBe(true)
    expect(pointInPolygon({ x: 10, y: 10 }, tri.points)).toBe(false)
  })

  it('hits boxes with a tolerance and polygons near their edges', () => {
    expect(hitShape(box, { x: 9, y: 15 }, 2)).toBe(true)
    expect(hitShape(box, { x: 5, y: 15 }, 2)).toBe(false)
    expect(hitShape(tri, { x: 50, y: 41 }, 2)).toBe(true)
  })

  it('prefers the smaller of nested shapes', () => {
    const big: BBoxShape = { ...box, id: 'big', x: 0, y: 0, w: 100, h: 80 }
    expect(hitTest([box, big], { x: 15, y: 15 }, 1)?.id).toBe('b')
    expect(hitTest([box, big], { x: 90, y: 70 }, 1)?.id).toBe('big')
    expect(hitTest([box], { x: 90, y: 70 }, 1)).toBeNull()
  })

  it('finds resize handles and resizes, flipping past the opposite edge', () => {
    expect(hitHandle(box, { x: 30, y: 20 }, 2)).toBe('se')
    expect(hitHandle(box, { x: 20, y: 10 }, 2)).toBe('n')
    expect(resizeBox(box, 'se', { x: 40, y: 30 })).toEqual({ x: 10, y: 10, w: 30, h: 20 })
    expect(resizeBox(box, 'e', { x: 0, y: 999 })).toEqual({ x: 0, y: 10, w: 10, h: 10 })
  })

  it('keeps boxes and moved shapes inside the image', () => {
    expect(clampBox({ x: -10, y: 70, w: 30, h: 30 }, image)).toEqual({ x: 0, y: 70, w: 20, h: 10 })
    expect(moveShape(box, 500, -500, image)).toMatchObject({ x: 80, y: 0, w: 20, h: 10 })
    const moved = moveShape(tri, -100, 0, image) as PolygonShape
    expect(moved.points.map((p) => p[0])).toEqual([20, 40, 0])
  })

  it('drags one vertex and keeps keypoint visibility', () => {
    const kp: KeypointsShape = { id: 'k', type: 'keypoints', label: 'pin', points: [[1, 1, 2], [5, 5, 1]] }
    expect(hitVertex(kp, { x: 5.5, y: 5 }, 1)).toBe(1)
    expect((moveVertex(kp, 1, { x: 200, y: 3 }, image) as KeypointsShape).points[1]).toEqual([100, 3, 1])
    expect((moveVertex(tri, 0, { x: 51, y: 11 }, image) as PolygonShape).points[0]).toEqual([51, 11])
  })

  it('measures bounds and rounds to two decimals', () => {
    expect(shapeBounds(tri)).toEqual({ x: 30, y: 10, w: 40, h: 30 })
    expect(shapeBounds({ id: 't', type: 'tag', label: 'ok' })).toBeNull()
    expect(roundShape({ ...box, x: 1.23456, w: 0.1 + 0.2 })).toMatchObject({ x: 1.23, w: 0.3 })
  })
})
