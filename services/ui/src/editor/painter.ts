// Puts the scene on the editor's canvas, at most once per animation frame: the image, the static layer (the
// shapes nobody edits, rasterised once and blitted while the view moves) and the live pass on top.
import { SETTLE_MS } from './layerPlan'
import { hasStatic, renderImage, renderLive, renderStatic, type Scene } from './renderer'
import { StaticLayer } from './staticLayer'

/** What one frame shows: the scene, what the static layer's content depends on, the view's size (CSS px). */
export interface Frame {
  scene: Scene
  key: readonly unknown[]
  width: number
  height: number
}

export class Painter {
  private readonly ctx: CanvasRenderingContext2D
  private readonly layer = new StaticLayer()
  private frame = 0
  /** when the view last panned or zoomed, and the timer that redraws it sharp once it settles */
  private viewMovedAt = -Infinity
  private settleTimer = 0
  private readonly source: () => Frame

  constructor(canvas: HTMLCanvasElement, source: () => Frame) {
    this.ctx = canvas.getContext('2d')!
    this.source = source
  }

  /** Draw on the next animation frame (once, however often asked). */
  request(): void {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      this.draw()
    })
  }

  /** The view panned or zoomed: blit the layer now, rasterise it sharp once the view rests for SETTLE_MS. */
  viewMoved(): void {
    this.viewMovedAt = performance.now()
    window.clearTimeout(this.settleTimer)
    this.settleTimer = window.setTimeout(() => this.request(), SETTLE_MS)
    this.request()
  }

  destroy(): void {
    cancelAnimationFrame(this.frame)
    window.clearTimeout(this.settleTimer)
    this.layer.release()
  }

  private draw(): void {
    const { scene, key, width, height } = this.source()
    const dpr = window.devicePixelRatio || 1
    const ctx = this.ctx
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    renderImage(ctx, width, height, scene)
    if (hasStatic(scene)) {
      const settled = performance.now() - this.viewMovedAt >= SETTLE_MS
      this.layer.present(ctx, { key, vp: scene.viewport, width, height, dpr }, settled, (layer, region) => renderStatic(layer, region, scene))
    }
    renderLive(ctx, scene)
  }
}
