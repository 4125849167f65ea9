// Polygon: idle -> drawing (a click per vertex) -> closed by clicking the first vertex, Enter or double click.
import { AddShapes } from '../document'
import { clampPoint, distance, roundShape } from '../geometry'
import type { Point, PolygonShape } from '../types'
import { HIT_TOLERANCE, labelFor, pointByPointKey, type PointerInput, type Tool, type ToolContext } from './tool'

export class PolygonTool implements Tool {
  readonly name = 'polygon' as const
  state: 'idle' | 'drawing' = 'idle'
  private points: [number, number][] = []
  private last: Point | null = null

  down(ctx: ToolContext, input: PointerInput): void {
    const p = clampPoint(input.image, ctx.image)
    if (this.state === 'idle') {
      if (!labelFor(ctx, 'polygon')) return
      this.points = [[p.x, p.y]]
      this.last = p
      this.state = 'drawing'
      return
    }
    const [fx, fy] = this.points[0]
    const nearFirst = distance({ x: fx * ctx.scale, y: fy * ctx.scale }, { x: p.x * ctx.scale, y: p.y * ctx.scale }) <= HIT_TOLERANCE
    if (nearFirst && this.points.length >= 3) {
      this.close(ctx)
      return
    }
    const [lx, ly] = this.points[this.points.length - 1]
    // a second click on the same spot (double click) is not a new vertex
    if (distance({ x: lx, y: ly }, p) * ctx.scale < 1) return
    this.points.push([p.x, p.y])
  }

  move(ctx: ToolContext, input: PointerInput): void {
    if (this.state === 'drawing') this.last = clampPoint(input.image, ctx.image)
  }

  up(): void {}

  key(ctx: ToolContext, key: string): boolean {
    if (this.state !== 'drawing') return false
    return pointByPointKey(key, this.points, () => this.close(ctx), () => this.cancel())
  }


  /** Finish the polygon; fewer than 3 points keeps drawing and says why. */
  close(ctx: ToolContext): void {
    if (this.state !== 'drawing') return
    if (this.points.length < 3) {
      ctx.notify('needMorePoints')
      return
    }
    const label = labelFor(ctx, 'polygon')
    if (!label) return
    const shape = roundShape({ id: ctx.newId(), type: 'polygon', label: label.value, points: this.points }) as PolygonShape
    this.cancel()
    ctx.commit(new AddShapes([shape]))
    ctx.select(shape.id)
  }

  cancel(): void {
    this.state = 'idle'
    this.points = []
    this.last = null
  }

  preview(): PolygonShape | null {
    if (this.state !== 'drawing') return null
    return { id: '__preview__', type: 'polygon', label: '', points: this.points.slice() }
  }

  cursor(): Point | null {
    return this.state === 'drawing' ? this.last : null
  }
}
