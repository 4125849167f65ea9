// The shapes being edited, and the commands that change them (each one undoable).
import type { Command } from './history'
import type { Shape } from './types'

export class ShapeDocument {
  shapes: Shape[] = []

  constructor(shapes: Shape[] = []) {
    this.shapes = shapes.slice()
  }

  get(id: string): Shape | undefined {
    return this.shapes.find((s) => s.id === id)
  }

  insert(shape: Shape, index = this.shapes.length): void {
    this.shapes.splice(index, 0, shape)
  }

  remove(id: string): number {
    const i = this.shapes.findIndex((s) => s.id === id)
    if (i >= 0) this.shapes.splice(i, 1)
    return i
  }

  replace(shape: Shape): void {
    const i = this.shapes.findIndex((s) => s.id === shape.id)
    if (i >= 0) this.shapes[i] = shape
  }
}

export class AddShapes implements Command<ShapeDocument> {
  readonly kind = 'add'
  private readonly added: Shape[]
  constructor(added: Shape[]) {
    this.added = added
  }
  apply(doc: ShapeDocument): void {
    for (const s of this.added) doc.insert(s)
  }
  revert(doc: ShapeDocument): void {
    for (const s of this.added) doc.remove(s.id)
  }
}

export class RemoveShape implements Command<ShapeDocument> {
  readonly kind = 'remove'
  private index = -1
  private readonly shape: Shape
  constructor(shape: Shape) {
    this.shape = shape
  }
  apply(doc: ShapeDocument): void {
    this.index = doc.remove(this.shape.id)
  }
  revert(doc: ShapeDocument): void {
    doc.insert(this.shape, this.index < 0 ? doc.shapes.length : this.index)
  }
}

/** Move, resize, vertex drag, relabel: the shape before and after. */
export class UpdateShape implements Command<ShapeDocument> {
  private readonly before: Shape
  private readonly after: Shape
  readonly kind: string
  constructor(before: Shape, after: Shape, kind = 'update') {
    this.before = before
    this.after = after
    this.kind = kind
  }
  apply(doc: ShapeDocument): void {
    doc.replace(this.after)
  }
  revert(doc: ShapeDocument): void {
    doc.replace(this.before)
  }
}

/** Every shape at once (restoring a local draft): one step to undo. */
export class ReplaceAll implements Command<ShapeDocument> {
  readonly kind = 'replace-all'
  private before: Shape[] = []
  private readonly after: Shape[]
  constructor(after: Shape[]) {
    this.after = after
  }
  apply(doc: ShapeDocument): void {
    this.before = doc.shapes
    doc.shapes = this.after.slice()
  }
  revert(doc: ShapeDocument): void {
    doc.shapes = this.before
  }
}
