// Select, move, resize, drag vertices; a drag on empty space pans.
// idle -> pointing (pressed on a shape) -> moving | resizing | vertex; released -> one undoable update.
import { UpdateShape } from '../document'
import { distance, hitHandle, hitTest, hitVertex, moveShape, moveVertex, resizeBox, clampBox, roundShape, shapeBounds, type Handle } from '../geometry'
import type { Point, Shape } from '../types'
import { DRAG_THRESHOLD, HIT_TOLERANCE, type PointerInput, type Tool, type ToolContext } from './tool'

type State = 'idle' | 'pointing' | 'moving' | 'resizing' | 'vertex' | 'panning'

export class SelectTool implements Tool {
  readonly name = 'select' as const
  state: State = 'idle'
  private original: Shape | null = null
  private current: Shape | null = null
  private handle: Handle | null = null
  private vertex = -1
  private startImage: Point = { x: 0, y: 0 }
  private startScreen: Point = { x: 0, y: 0 }
  private lastScreen: Point = { x: 0, y: 0 }

  down(ctx: ToolContext, input: PointerInput): void {
    if (this.state !== 'idle') return
    const tol = HIT_TOLERANCE / ctx.scale
    this.startImage = input.image
    this.startScreen = input.screen
    this.lastScreen = input.screen
    const selected = ctx.selectedId ? ctx.shapes.find((s) => s.id === ctx.selectedId) : undefined
    if (selected) {
      const bounds = selected.type === 'bbox' ? shapeBounds(selected) : null
      const handle = bounds ? hitHandle(bounds, input.image, tol) : null
      if (handle) return this.begin('resizing', selected, { handle })
      const vertex = hitVertex(selected, input.image, tol)
      if (vertex >= 0) return this.begin('vertex', selected, { vertex })
    }
    const hit = hitTest(ctx.shapes, input.image, tol)
    if (hit) {
      ctx.select(hit.id)
      return this.begin('pointing', hit, {})
    }
    ctx.select(null)
    this.state = 'panning'
  }

  private begin(state: State, shape: Shape, extra: { handle?: Handle; vertex?: number }): void {
    this.state = state
    this.original = shape
    this.current = shape
    this.handle = extra.handle ?? null
    this.vertex = extra.vertex ?? -1
  }

  move(ctx: ToolContext, input: PointerInput): void {
    switch (this.state) {
      case 'panning':
        ctx.pan(input.screen.x - this.lastScreen.x, input.screen.y - this.lastScreen.y)
        break
      case 'pointing':
        if (distance(input.screen, this.startScreen) < DRAG_THRESHOLD) break
        this.state = 'moving'
        this.move(ctx, input)
        break
      case 'moving':
        this.current = moveShape(this.original!, input.image.x - this.startImage.x, input.image.y - this.startImage.y, ctx.image)
        break
      case 'resizing':
        if (this.original?.type === 'bbox') {
          const box = clampBox(resizeBox(shapeBounds(this.original)!, this.handle!, input.image), ctx.image)
          this.current = { ...this.original, ...box }
        }
        break
      case 'vertex':
        this.current = moveVertex(this.original!, this.vertex, input.image, ctx.image)
        break
    }
    this.lastScreen = input.screen
  }

  up(ctx: ToolContext, input: PointerInput): void {
    this.move(ctx, input)
    const before = this.original
    const after = this.current ? roundShape(this.current) : null
    const changed = before && after && JSON.stringify(before) !== JSON.stringify(after)
    const zeroSized = after?.type === 'bbox' && (after.w <= 0 || after.h <= 0)
    if (changed && !zeroSized && this.state !== 'pointing') ctx.commit(new UpdateShape(before, after, this.state))
    this.cancel()
  }

  key(_ctx: ToolContext, key: string): boolean {
    if (key === 'Escape' && this.state !== 'idle') {
      this.cancel()
      return true
    }
    return false
  }

  cancel(): void {
    this.state = 'idle'
    this.original = null
    this.current = null
    this.handle = null
    this.vertex = -1
  }

  preview(): Shape | null {
    return this.state === 'moving' || this.state === 'resizing' || this.state === 'vertex' ? this.current : null
  }

  cursor(): Point | null {
    return null
  }
}
