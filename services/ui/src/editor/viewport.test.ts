import { describe, expect, it } from 'vitest'
import { fitImage, panBy, toImage, toScreen, zoomAt, MAX_SCALE } from './viewport'

describe('viewport transforms', () => {
  const vp = { scale: 2, offsetX: 10, offsetY: -5 }

  it('round-trips screen and image coordinates', () => {
    const p = { x: 37.5, y: 12.25 }
    expect(toImage(vp, toScreen(vp, p))).toEqual(p)
    expect(toScreen(vp, { x: 0, y: 0 })).toEqual({ x: 10, y: -5 })
  })

  it('zooms around the anchor: the image point under it stays put', () => {
    const anchor = { x: 200, y: 150 }
    const before = toImage(vp, anchor)
    const zoomed = zoomAt(vp, 1.5, anchor)
    expect(zoomed.scale).toBe(3)
    const after = toImage(zoomed, anchor)
    expect(after.x).toBeCloseTo(before.x)
    expect(after.y).toBeCloseTo(before.y)
  })

  it('caps the zoom', () => {
    expect(zoomAt(vp, 1e6, { x: 0, y: 0 }).scale).toBe(MAX_SCALE)
  })

  it('pans by screen pixels', () => {
    expect(panBy(vp, 5, 5)).toEqual({ scale: 2, offsetX: 15, offsetY: 0 })
  })

  it('fits and centres the image', () => {
    const fit = fitImage({ width: 1000, height: 500 }, { width: 520, height: 520 }, 10)
    expect(fit.scale).toBe(0.5)
    expect(fit.offsetX).toBe(10)
    expect(fit.offsetY).toBe(135)
  })
})
