// Pure geometry in image pixel coordinates: hit testing, handles, moves, resizes, clamping.
import type { BBoxShape, ImageSize, Point, Shape } from './types'

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v))
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y)
}

/** A box from two corners in any order. */
export function boxFromCorners(a: Point, b: Point): { x: number; y: number; w: number; h: number } {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) }
}

export function clampPoint(p: Point, size: ImageSize): Point {
  return { x: clamp(p.x, 0, size.width), y: clamp(p.y, 0, size.height) }
}

export function pointInPolygon(p: Point, points: [number, number][] | [number, number, number][]): boolean {
  let inside = false
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]
    const [xj, yj] = points[j]
    if (yi > p.y !== yj > p.y && p.x < ((xj - xi) * (p.y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x
  const dy = b.y - a.y
  const len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0, 1)
  return distance(p, { x: a.x + t * dx, y: a.y + t * dy })
}

export interface Bounds {
  x: number
  y: number
  w: number
  h: number
}

export function shapeBounds(shape: Shape): Bounds | null {
  switch (shape.type) {
    case 'bbox':
      return { x: shape.x, y: shape.y, w: shape.w, h: shape.h }
    case 'polygon':
    case 'keypoints': {
      if (shape.points.length === 0) return null
      const xs = shape.points.map((p) => p[0])
      const ys = shape.points.map((p) => p[1])
      const x = Math.min(...xs)
      const y = Math.min(...ys)
      return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y }
    }
    case 'tag':
      return null
  }
}

/** Does `p` hit the shape? `tolerance` is in image pixels (screen tolerance / scale). */
export function hitShape(shape: Shape, p: Point, tolerance: number): boolean {
  switch (shape.type) {
    case 'bbox':
      return (
        p.x >= shape.x - tolerance &&
        p.x <= shape.x + shape.w + tolerance &&
        p.y >= shape.y - tolerance &&
        p.y <= shape.y + shape.h + tolerance
      )
    case 'polygon': {
      if (pointInPolygon(p, shape.points)) return true
      return shape.points.some((a, i) => {
        const b = shape.points[(i + 1) % shape.points.length]
        return distanceToSegment(p, { x: a[0], y: a[1] }, { x: b[0], y: b[1] }) <= tolerance
      })
    }
    case 'keypoints':
      return shape.points.some(([x, y, v]) => v > 0 && distance(p, { x, y }) <= tolerance * 1.5)
    case 'tag':
      return false
  }
}

/** Topmost shape under `p` (last drawn wins), smaller boxes first when nested. */
export function hitTest(shapes: readonly Shape[], p: Point, tolerance: number): Shape | null {
  let best: Shape | null = null
  let bestArea = Infinity
  for (let i = shapes.length - 1; i >= 0; i--) {
    const s = shapes[i]
    if (!hitShape(s, p, tolerance)) continue
    const b = shapeBounds(s)
    const area = b ? b.w * b.h : 0
    if (area < bestArea) {
      best = s
      bestArea = area
    }
  }
  return best
}

/** Box resize handles, named by compass direction. */
export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w'
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']

export function handlePoint(box: Bounds, h: Handle): Point {
  const cx = box.x + box.w / 2
  const cy = box.y + box.h / 2
  const x = h.includes('w') ? box.x : h.includes('e') ? box.x + box.w : cx
  const y = h.includes('n') ? box.y : h.includes('s') ? box.y + box.h : cy
  return { x, y }
}

export function hitHandle(box: Bounds, p: Point, tolerance: number): Handle | null {
  for (const h of HANDLES) if (distance(handlePoint(box, h), p) <= tolerance) return h
  return null
}

/** Resize by dragging handle `h` to `p`; flipping past the opposite edge is allowed and normalised. */
export function resizeBox(box: Bounds, h: Handle, p: Point): Bounds {
  let x1 = box.x
  let y1 = box.y
  let x2 = box.x + box.w
  let y2 = box.y + box.h
  if (h.includes('w')) x1 = p.x
  if (h.includes('e')) x2 = p.x
  if (h.includes('n')) y1 = p.y
  if (h.includes('s')) y2 = p.y
  return boxFromCorners({ x: x1, y: y1 }, { x: x2, y: y2 })
}

/** Box limited to the image; keeps what is inside. */
export function clampBox(box: Bounds, size: ImageSize): Bounds {
  const x1 = clamp(box.x, 0, size.width)
  const y1 = clamp(box.y, 0, size.height)
  const x2 = clamp(box.x + box.w, 0, size.width)
  const y2 = clamp(box.y + box.h, 0, size.height)
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1 }
}

/** Translate so the shape stays entirely inside the image. */
export function moveShape(shape: Shape, dx: number, dy: number, size: ImageSize): Shape {
  const b = shapeBounds(shape)
  if (!b) return shape
  const mx = clamp(dx, -b.x, size.width - (b.x + b.w))
  const my = clamp(dy, -b.y, size.height - (b.y + b.h))
  switch (shape.type) {
    case 'bbox':
      return { ...shape, x: shape.x + mx, y: shape.y + my }
    case 'polygon':
      return { ...shape, points: shape.points.map(([x, y]) => [x + mx, y + my] as [number, number]) }
    case 'keypoints':
      return { ...shape, points: shape.points.map(([x, y, v]) => [x + mx, y + my, v] as [number, number, number]) }
    default:
      return shape
  }
}

/** Index of the vertex of a polygon / keypoints shape under `p`, or -1. */
export function hitVertex(shape: Shape, p: Point, tolerance: number): number {
  if (shape.type !== 'polygon' && shape.type !== 'keypoints') return -1
  return shape.points.findIndex(([x, y]) => distance({ x, y }, p) <= tolerance)
}

export function moveVertex(shape: Shape, index: number, p: Point, size: ImageSize): Shape {
  const q = clampPoint(p, size)
  if (shape.type === 'polygon') {
    const points = shape.points.slice()
    points[index] = [q.x, q.y]
    return { ...shape, points }
  }
  if (shape.type === 'keypoints') {
    const points = shape.points.slice()
    points[index] = [q.x, q.y, points[index][2]]
    return { ...shape, points }
  }
  return shape
}

export function isBoxLargeEnough(box: Pick<BBoxShape, 'w' | 'h'>, min: number): boolean {
  return box.w >= min && box.h >= min
}

/** Round to 2 decimals: sub-pixel precision without float noise in saved JSON. */
export function roundShape(shape: Shape): Shape {
  const r = (v: number) => Math.round(v * 100) / 100
  switch (shape.type) {
    case 'bbox':
      return { ...shape, x: r(shape.x), y: r(shape.y), w: r(shape.w), h: r(shape.h) }
    case 'polygon':
      return { ...shape, points: shape.points.map(([x, y]) => [r(x), r(y)] as [number, number]) }
    case 'keypoints':
      return { ...shape, points: shape.points.map(([x, y, v]) => [r(x), r(y), v] as [number, number, number]) }
    default:
      return shape
  }
}
