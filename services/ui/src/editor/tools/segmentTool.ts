// Click-to-segment: idle -> pointing (pressed) -> waiting (the model works) -> shapes committed, or idle on failure.
// A drag pans instead. The model call is the host's (ctx.segment); the tool never does I/O itself.
import { AddShapes } from '../document'
import { clampPoint, distance, roundShape } from '../geometry'
import type { Point, Shape } from '../types'
import { DRAG_THRESHOLD, type PointerInput, type Tool, type ToolContext } from './tool'

export class SegmentTool implements Tool {
  readonly name = 'segment' as const
  state: 'idle' | 'pointing' | 'panning' | 'waiting' = 'idle'
  private start: Point = { x: 0, y: 0 }
  private startScreen: Point = { x: 0, y: 0 }
  private lastScreen: Point = { x: 0, y: 0 }
  private pending: Point | null = null
  private request = 0

  down(ctx: ToolContext, input: PointerInput): void {
    if (this.state !== 'idle') return
    this.start = clampPoint(input.image, ctx.image)
    this.startScreen = input.screen
    this.lastScreen = input.screen
    this.state = 'pointing'
  }

  move(ctx: ToolContext, input: PointerInput): void {
    if (this.state === 'pointing' && distance(input.screen, this.startScreen) >= DRAG_THRESHOLD) this.state = 'panning'
    if (this.state === 'panning') {
      ctx.pan(input.screen.x - this.lastScreen.x, input.screen.y - this.lastScreen.y)
      this.lastScreen = input.screen
    }
  }

  up(ctx: ToolContext, input: PointerInput): void {
    this.move(ctx, input)
    if (this.state !== 'pointing') {
      if (this.state === 'panning') this.state = 'idle'
      return
    }
    this.state = 'idle'
    const label = ctx.label
    if (!label) return ctx.notify('noLabel')
    if (label.tools.length > 0 && !label.tools.includes('polygon') && !label.tools.includes('bbox')) return ctx.notify('labelNotAllowed')
    if (!ctx.segment) return ctx.notify('segmentEmpty')
    const id = ++this.request
    this.state = 'waiting'
    this.pending = this.start
    ctx.segment(this.start, label.value).then(
      (shapes) => {
        if (id !== this.request) return // cancelled meanwhile
        this.cancel()
        // only what the label allows: a polygon-only label does not get the mask's companion box
        const types: readonly string[] = label.tools.length > 0 ? label.tools : ['polygon', 'bbox']
        const allowed = shapes.filter((s) => (s.type === 'polygon' || s.type === 'bbox') && types.includes(s.type))
        if (allowed.length === 0) {
          ctx.notify('segmentEmpty')
          ctx.redraw()
          return
        }
        const added: Shape[] = allowed.map((s) => {
          const copy = roundShape({ ...s, id: ctx.newId(), label: label.value })
          delete copy.score
          return copy
        })
        ctx.commit(new AddShapes(added))
        ctx.select(added[0].id)
      },
      () => {
        if (id !== this.request) return
        this.cancel()
        ctx.redraw()
      },
    )
  }

  key(ctx: ToolContext, key: string): boolean {
    if (key === 'Escape' && this.state !== 'idle') {
      this.cancel()
      ctx.redraw()
      return true
    }
    return false
  }

  cancel(): void {
    this.request += this.state === 'waiting' ? 1 : 0
    this.state = 'idle'
    this.pending = null
  }

  preview(): null {
    return null
  }

  /** where the model is looking, while it works */
  cursor(): Point | null {
    return this.pending
  }
}
