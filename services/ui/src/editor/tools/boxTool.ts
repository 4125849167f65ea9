// Bounding box: idle -> pointing (pressed) -> drawing (dragged past the threshold) -> commit on release.
import { AddShapes } from '../document'
import { boxFromCorners, clampPoint, distance, roundShape } from '../geometry'
import type { BBoxShape, Point } from '../types'
import { DRAG_THRESHOLD, labelFor, type PointerInput, type Tool, type ToolContext } from './tool'

/** Smallest box kept, in screen pixels, so a stray click never makes a sliver. */
const MIN_BOX_SCREEN = 4

export class BoxTool implements Tool {
  readonly name = 'bbox' as const
  state: 'idle' | 'pointing' | 'drawing' = 'idle'
  private start: Point = { x: 0, y: 0 }
  private startScreen: Point = { x: 0, y: 0 }
  private end: Point = { x: 0, y: 0 }

  down(ctx: ToolContext, input: PointerInput): void {
    if (this.state !== 'idle') return
    this.start = clampPoint(input.image, ctx.image)
    this.end = this.start
    this.startScreen = input.screen
    this.state = 'pointing'
  }

  move(ctx: ToolContext, input: PointerInput): void {
    if (this.state === 'idle') return
    this.end = clampPoint(input.image, ctx.image)
    if (this.state === 'pointing' && distance(input.screen, this.startScreen) >= DRAG_THRESHOLD) this.state = 'drawing'
  }

  up(ctx: ToolContext, input: PointerInput): void {
    if (this.state === 'idle') return
    this.move(ctx, input)
    const wasDrawing = this.state === 'drawing'
    this.state = 'idle'
    if (!wasDrawing) return
    const box = boxFromCorners(this.start, this.end)
    if (box.w * ctx.scale < MIN_BOX_SCREEN || box.h * ctx.scale < MIN_BOX_SCREEN) {
      ctx.notify('tooSmall')
      return
    }
    const label = labelFor(ctx, 'bbox')
    if (!label) return
    const shape = roundShape({ id: ctx.newId(), type: 'bbox', label: label.value, ...box }) as BBoxShape
    ctx.commit(new AddShapes([shape]))
    ctx.select(shape.id)
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
  }

  preview(): BBoxShape | null {
    if (this.state !== 'drawing') return null
    return { id: '__preview__', type: 'bbox', label: '', ...boxFromCorners(this.start, this.end) }
  }

  cursor(): Point | null {
    return null
  }
}
