// Pan: idle -> panning while pressed.
import type { Point } from '../types'
import type { PointerInput, Tool, ToolContext } from './tool'

export class PanTool implements Tool {
  readonly name = 'pan' as const
  state: 'idle' | 'panning' = 'idle'
  private last: Point = { x: 0, y: 0 }

  down(_ctx: ToolContext, input: PointerInput): void {
    this.state = 'panning'
    this.last = input.screen
  }

  move(ctx: ToolContext, input: PointerInput): void {
    if (this.state !== 'panning') return
    ctx.pan(input.screen.x - this.last.x, input.screen.y - this.last.y)
    this.last = input.screen
  }

  up(): void {
    this.state = 'idle'
  }

  key(): boolean {
    return false
  }

  cancel(): void {
    this.state = 'idle'
  }

  preview(): null {
    return null
  }

  cursor(): Point | null {
    return null
  }
}
