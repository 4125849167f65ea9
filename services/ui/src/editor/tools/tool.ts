// A tool is a small state machine fed pointer and key input; it never touches the DOM.
import type { Command } from '../history'
import type { ShapeDocument } from '../document'
import type { EditorLabel, ImageSize, Point, Shape, ShapeType, ToolName } from '../types'

/** Why a tool refused to act; the UI translates these (editor.notice.<code>). */
export type Notice = 'noLabel' | 'labelNotAllowed' | 'tooSmall' | 'needMorePoints' | 'segmentEmpty'

export interface ToolContext {
  readonly image: ImageSize
  /** current zoom; tolerances are given in screen pixels and divided by it */
  readonly scale: number
  readonly shapes: readonly Shape[]
  readonly selectedId: string | null
  readonly label: EditorLabel | null
  newId(): string
  commit(cmd: Command<ShapeDocument>): void
  select(id: string | null): void
  /** pan the view by a screen-pixel delta */
  pan(dx: number, dy: number): void
  notify(notice: Notice): void
  /** redraw after an asynchronous change of the tool's own state */
  redraw(): void
  /** click-to-segment with the model, when the host offers it: shapes in image pixels */
  segment?: (point: Point, label: string) => Promise<Shape[]>
}

export interface PointerInput {
  image: Point
  screen: Point
}

export interface Tool {
  readonly name: ToolName
  readonly state: string
  down(ctx: ToolContext, input: PointerInput): void
  move(ctx: ToolContext, input: PointerInput): void
  up(ctx: ToolContext, input: PointerInput): void
  /** Enter, Escape, Backspace...; true when the key was used */
  key(ctx: ToolContext, key: string): boolean
  cancel(): void
  /** the in-progress shape (a shape with an existing id replaces it while dragging) */
  preview(): Shape | null
  /** the last pointer position while drawing, for rubber-band lines */
  cursor(): Point | null
}

/** Screen pixels a pointer must travel before a press becomes a drag. */
export const DRAG_THRESHOLD = 3
/** Screen pixels within which a handle or vertex is hit. */
export const HIT_TOLERANCE = 7

/** The active label, if it may be drawn with `type`; otherwise tells the user why not. */
export function labelFor(ctx: ToolContext, type: ShapeType): EditorLabel | null {
  const label = ctx.label
  if (!label) {
    ctx.notify('noLabel')
    return null
  }
  if (label.tools.length > 0 && !label.tools.includes(type)) {
    ctx.notify('labelNotAllowed')
    return null
  }
  return label
}

/** Keys while drawing point by point (polygon, keypoints): Enter finishes, Escape cancels, Backspace takes
 * the last point back (and cancels when none is left). True when the key was used. */
export function pointByPointKey(key: string, points: unknown[], finish: () => void, cancel: () => void): boolean {
  if (key === 'Enter') {
    finish()
    return true
  }
  if (key === 'Escape') {
    cancel()
    return true
  }
  if (key === 'Backspace') {
    points.pop()
    if (points.length === 0) cancel()
    return true
  }
  return false
}
