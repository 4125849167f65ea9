import { describe, expect, it } from 'vitest'
import { CAPTION_HEIGHT, OUTLINE_PAD, mayShow, viewRegion } from './culling'

describe('culling shapes to a region of the view', () => {
  const view = viewRegion(800, 600)
  const vp = { scale: 2, offsetX: -100, offsetY: -50 }

  it('keeps a shape inside the view and drops one far outside', () => {
    expect(mayShow({ x: 100, y: 100, w: 10, h: 10 }, vp, view, 40)).toBe(true)
    expect(mayShow({ x: 2000, y: 100, w: 10, h: 10 }, vp, view, 40)).toBe(false)
    expect(mayShow({ x: 100, y: -500, w: 10, h: 10 }, vp, view, 40)).toBe(false)
  })

  it('keeps a shape left of the view whose caption reaches into it', () => {
    // screen x: 10 * 2 - 100 = -80 .. -60; a 100 px caption reaches x = 20
    expect(mayShow({ x: 10, y: 100, w: 10, h: 10 }, vp, view, 100)).toBe(true)
    expect(mayShow({ x: 10, y: 100, w: 10, h: 10 }, vp, view, 40)).toBe(false)
  })

  it('keeps a shape just below the view whose caption sits above it, and outlines just past an edge', () => {
    // screen top = y * 2 - 50; the caption goes CAPTION_HEIGHT above it
    const justBelow = (600 + CAPTION_HEIGHT + 50) / 2
    expect(mayShow({ x: 100, y: justBelow, w: 10, h: 10 }, vp, view, 40)).toBe(true)
    expect(mayShow({ x: 100, y: justBelow + OUTLINE_PAD, w: 10, h: 10 }, vp, view, 40)).toBe(false)
    // right edge of the outline within OUTLINE_PAD of the view's left edge
    expect(mayShow({ x: 40, y: 100, w: 5, h: 10 }, { scale: 1, offsetX: -50, offsetY: 0 }, view, 0)).toBe(true)
  })

  it('uses the margin of a layer region', () => {
    const withMargin = viewRegion(800, 600, 400, 300)
    expect(mayShow({ x: 500, y: 100, w: 10, h: 10 }, vp, view, 40)).toBe(false)
    expect(mayShow({ x: 500, y: 100, w: 10, h: 10 }, vp, withMargin, 40)).toBe(true)
  })
})
