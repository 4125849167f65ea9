// Command-object undo history with a cap: the oldest command is dropped once the cap is reached.

export interface Command<D> {
  /** short machine name, e.g. "add", "move" (shown in debug, never translated) */
  readonly kind: string
  apply(doc: D): void
  revert(doc: D): void
}

export class History<D> {
  private done: { cmd: Command<D>; id: number }[] = []
  private undone: { cmd: Command<D>; id: number }[] = []
  private counter = 0

  private readonly doc: D
  readonly cap: number

  constructor(doc: D, cap = 200) {
    this.doc = doc
    this.cap = cap
    if (cap < 1) throw new Error('history cap must be >= 1')
  }

  execute(cmd: Command<D>): void {
    cmd.apply(this.doc)
    this.counter += 1
    this.done.push({ cmd, id: this.counter })
    if (this.done.length > this.cap) this.done.shift()
    this.undone = []
  }

  undo(): Command<D> | null {
    const entry = this.done.pop()
    if (!entry) return null
    entry.cmd.revert(this.doc)
    this.undone.push(entry)
    return entry.cmd
  }

  redo(): Command<D> | null {
    const entry = this.undone.pop()
    if (!entry) return null
    entry.cmd.apply(this.doc)
    this.done.push(entry)
    return entry.cmd
  }

  get canUndo(): boolean {
    return this.done.length > 0
  }

  get canRedo(): boolean {
    return this.undone.length > 0
  }

  get size(): number {
    return this.done.length
  }

  /** Identifies the current point in history: equal markers mean the same document state. */
  get marker(): number {
    return this.done.length > 0 ? this.done[this.done.length - 1].id : 0
  }

  clear(): void {
    this.done = []
    this.undone = []
  }
}
