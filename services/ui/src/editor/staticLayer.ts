// The static layer: a transparent offscreen canvas holding the shapes nobody is editing, rasterised at one
// viewport (with a margin around the view) and blitted with a transform while the view pans and zooms.
// layerPlan.ts decides when it is rasterised again.
import { viewRegion, type Region } from './culling'
import { layerMargin, needsRaster, placement, type LayerSpec } from './layerPlan'
import type { Viewport } from './viewport'

export type Paint = (ctx: CanvasRenderingContext2D, region: Region) => void

export class StaticLayer {
  private readonly canvas = document.createElement('canvas')
  private readonly ctx = this.canvas.getContext('2d')!
  private spec: LayerSpec | null = null
  /** rasterisations so far (for tests and the bench) */
  rasters = 0

  /**
   * Draw the layer for `vp` onto `target` (whose transform maps CSS px to its device pixels), rasterising it
   * first with `paint` when `key` changed, the view outgrew it, or the view has `settled`.
   */
  present(target: CanvasRenderingContext2D, want: { key: readonly unknown[]; vp: Viewport; width: number; height: number; dpr: number }, settled: boolean, paint: Paint): void {
    const spec: LayerSpec = { ...want, ...layerMargin(want.width, want.height) }
    if (needsRaster(this.spec, spec, settled)) this.raster(spec, paint)
    const at = placement(this.spec!, want.vp)
    target.save()
    target.imageSmoothingEnabled = true
    target.drawImage(this.canvas, at.x, at.y, at.w, at.h)
    target.restore()
  }

  /** Forget the picture (the next present rasterises) and free its pixels. */
  release(): void {
    this.spec = null
    this.canvas.width = 0
    this.canvas.height = 0
  }

  private raster(spec: LayerSpec, paint: Paint): void {
    const w = Math.round((spec.width + 2 * spec.marginX) * spec.dpr)
    const h = Math.round((spec.height + 2 * spec.marginY) * spec.dpr)
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w
      this.canvas.height = h
    }
    this.ctx.setTransform(spec.dpr, 0, 0, spec.dpr, spec.marginX * spec.dpr, spec.marginY * spec.dpr)
    paint(this.ctx, viewRegion(spec.width, spec.height, spec.marginX, spec.marginY))
    this.spec = spec
    this.rasters += 1
  }
}
