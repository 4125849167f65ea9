import { describe, expect, it } from 'vitest'
import { MAX_STRETCH, layerMargin, needsRaster, placement, sameKey, type LayerSpec } from './layerPlan'
import { toImage, zoomAt, panBy } from './viewport'

const base: LayerSpec = { key: [1, 'a', null], vp: { scale: 0.5, offsetX: 20, offsetY: 10 }, width: 800, height: 600, dpr: 1, ...layerMargin(800, 600) }
const want = (over: Partial<LayerSpec>): LayerSpec => ({ ...base, ...over })

describe('static layer: when to rasterise again', () => {
  it('rasterises the first time and reuses an unchanged view', () => {
    expect(needsRaster(null, base, false)).toBe(true)
    expect(needsRaster(base, want({ key: [1, 'a', null] }), true)).toBe(false)
  })

  it('rasterises when its content, size or pixel ratio changes', () => {
    expect(needsRaster(base, want({ key: [2, 'a', null] }), false)).toBe(true)
    expect(needsRaster(base, want({ key: [1, 'a', 'selected-shape'] }), false)).toBe(true)
    expect(needsRaster(base, want({ width: 801 }), false)).toBe(true)
    expect(needsRaster(base, want({ dpr: 2 }), false)).toBe(true)
    expect(sameKey([1, base], [1, base])).toBe(true)
    expect(sameKey([1, {}], [1, {}])).toBe(false)
  })

  it('blits while panning within the margin, rasterises past it and once the view settles', () => {
    expect(needsRaster(base, want({ vp: panBy(base.vp, 300, -200) }), false)).toBe(false)
    expect(needsRaster(base, want({ vp: panBy(base.vp, base.marginX + 1, 0) }), false)).toBe(true)
    expect(needsRaster(base, want({ vp: panBy(base.vp, 0, -base.marginY - 1) }), false)).toBe(true)
    expect(needsRaster(base, want({ vp: panBy(base.vp, 30, 0) }), true)).toBe(true)
  })

  it('blits while zooming up to MAX_STRETCH either way', () => {
    const centre = { x: 400, y: 300 }
    expect(needsRaster(base, want({ vp: zoomAt(base.vp, 1.9, centre) }), false)).toBe(false)
    expect(needsRaster(base, want({ vp: zoomAt(base.vp, MAX_STRETCH * 1.01, centre) }), false)).toBe(true)
    expect(needsRaster(base, want({ vp: zoomAt(base.vp, 0.6, centre) }), false)).toBe(false)
    expect(needsRaster(base, want({ vp: zoomAt(base.vp, 1 / (MAX_STRETCH * 1.01), centre) }), false)).toBe(true)
  })

  it('places the layer so the same image point lands on the same screen point', () => {
    const vp = zoomAt(panBy(base.vp, 37, -12), 1.6, { x: 250, y: 420 })
    const at = placement(base, vp)
    const k = vp.scale / base.vp.scale
    // a layer pixel at layer CSS px (lx, ly) shows the image point the cached viewport put at (lx - margin, ly - margin)
    for (const [lx, ly] of [[0, 0], [500, 333], [1600, 1200]]) {
      const imagePoint = toImage(base.vp, { x: lx - base.marginX, y: ly - base.marginY })
      const screen = { x: at.x + k * lx, y: at.y + k * ly }
      const expected = toImage(vp, screen)
      expect(expected.x).toBeCloseTo(imagePoint.x, 6)
      expect(expected.y).toBeCloseTo(imagePoint.y, 6)
    }
    expect(at.w).toBeCloseTo(k * (800 + 2 * base.marginX))
  })
})
