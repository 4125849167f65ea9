// Keypoints: idle -> drawing (a click per point) -> done when the label's skeleton is complete or on Enter.
import { AddShapes } from '../document'
import { clampPoint, roundShape } from '../geometry'
import type { KeypointsShape, Point } from '../types'
import { labelFor, pointByPointKey, type PointerInput, type Tool, type ToolContext } from './tool'

export class KeypointsTool implements Tool {
  readonly name = 'keypoints' as const
  state: 'idle' | 'drawing' = 'idle'
  private points: [number, number, number][] = []
  private labelValue = ''
  private skeleton: { name: string; points: string[] } | undefined

  down(ctx: ToolContext, input: PointerInput): void {
    if (this.state === 'idle') {
      const label = labelFor(ctx, 'keypoints')
      if (!label) return
      this.labelValue = label.value
      this.skeleton = label.skeleton
      this.points = []
      this.state = 'drawing'
    }
    const p = clampPoint(input.image, ctx.image)
    this.points.push([p.x, p.y, 2])
    if (this.skeleton && this.points.length >= this.skeleton.points.length) this.finish(ctx)
  }

  move(): void {}
  up(): void {}

  /** Name of the next point to place, when the label has a skeleton. */
  nextPointName(): string | null {
    if (this.state !== 'drawing' || !this.skeleton) return null
    return this.skeleton.points[this.points.length] ?? null
  }

  key(ctx: ToolContext, key: string): boolean {
    if (this.state !== 'drawing') return false
    return pointByPointKey(key, this.points, () => this.finish(ctx), () => this.cancel())
  }


  finish(ctx: ToolContext): void {
    if (this.state !== 'drawing' || this.points.length === 0) return
    const shape = roundShape({
      id: ctx.newId(),
      type: 'keypoints',
      label: this.labelValue,
      points: this.points,
      ...(this.skeleton ? { skeleton: this.skeleton.name } : {}),
    }) as KeypointsShape
    this.cancel()
    ctx.commit(new AddShapes([shape]))
    ctx.select(shape.id)
  }

  cancel(): void {
    this.state = 'idle'
    this.points = []
  }

  preview(): KeypointsShape | null {
    if (this.state !== 'drawing') return null
    return { id: '__preview__', type: 'keypoints', label: this.labelValue, points: this.points.slice() }
  }

  cursor(): Point | null {
    return null
  }
}
