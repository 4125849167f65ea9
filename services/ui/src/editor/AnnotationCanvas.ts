// The editor core: framework-free, behind a small interface (load, shapes in/out, tools, undo/redo, events).
// HTML canvas 2D rather than Konva: no dependency. Drawing is layered (renderer.ts): the image and the shapes
// nobody edits are rasterised once into a static layer that pans and zooms as a bitmap; only the selected
// or edited shape is drawn every frame. At most one draw per animation frame.
import type { ShapeChange } from './diff'
import { AddShapes, RemoveShape, ReplaceAll, ShapeDocument, UpdateShape } from './document'
import { moveShape } from './geometry'
import { History, type Command } from './history'
import { keyAction, type KeyInput } from './hotkeys'
import { toolsFor } from './labelTools'
import { attachKeyboard, attachPointer, attachWheel, type HeldKeys, type InteractionHost } from './interactions'
import { Painter, type Frame } from './painter'
import { createTool, type Notice, type Tool, type ToolContext } from './tools'
import { KeypointsTool } from './tools/keypointsTool'
import { isTagOnly, type EditorLabel, type ImageSize, type Point, type Shape, type ToolName } from './types'
import { fitImage, panBy, toImage, zoomAt, type Viewport } from './viewport'

export interface EditorState {
  readOnly: boolean
  /** the model is segmenting a click */
  busy: boolean
  /** name of the next keypoint to place (labels with a skeleton) */
  nextPoint: string | null
  tool: ToolName
  activeLabel: string | null
  selectedId: string | null
  canUndo: boolean
  canRedo: boolean
  /** shapes changed since setShapes / markSaved */
  dirty: boolean
  /** shapes hidden from view, and shapes locked against edits (ids) */
  hidden: string[]
  locked: string[]
}

export interface EditorEvents {
  /** shapes changed (draw, edit, undo...) */
  change: (shapes: Shape[]) => void
  state: (state: EditorState) => void
  /** the view moved or zoomed (its scale); kept apart from `state`, which a pan or zoom never changes */
  view: (zoom: number) => void
  notice: (notice: Notice) => void
}

export interface EditorOptions {
  labels: EditorLabel[]
  historyCap?: number
}

/** Click-to-segment provided by the host page (the API call); shapes in image pixels. */
export type Segmenter = (point: Point, label: string) => Promise<Shape[]>

/** Fetch and decode an image, so that drawing it never waits for decoding. */
export async function decodeImage(url: string): Promise<HTMLImageElement> {
  const img = new Image()
  img.decoding = 'async'
  img.src = url
  await img.decode()
  return img
}

let idCounter = 0
function newShapeId(): string {
  idCounter += 1
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `s${Date.now().toString(36)}${idCounter}`
}

export class AnnotationCanvas {
  private readonly canvas: HTMLCanvasElement
  private readonly painter: Painter
  private doc = new ShapeDocument()
  private history: History<ShapeDocument>
  private labels: EditorLabel[]
  private labelMap = new Map<string, EditorLabel>()
  private image: HTMLImageElement | null = null
  private imageSize: ImageSize = { width: 1, height: 1 }
  private viewport: Viewport = { scale: 1, offsetX: 0, offsetY: 0 }
  private tool: Tool = createTool('bbox')
  private activeLabel: string | null = null
  private selectedId: string | null = null
  private predictions: Shape[] = []
  private focusedPrediction: string | null = null
  private hidden = new Set<string>()
  private locked = new Set<string>()
  private changes: ReadonlyMap<string, ShapeChange> | null = null
  /** history marker of the last saved (or loaded) state */
  private savedMarker = 0
  private readOnly = false
  private segmenter: Segmenter | null = null
  private adjust = { brightness: 1, contrast: 1 }
  /** bumped whenever what the static layer shows changes (shapes, labels, overlays, image) */
  private contentVersion = 0
  private readonly listeners: { [K in keyof EditorEvents]: Set<EditorEvents[K]> } = {
    change: new Set(),
    state: new Set(),
    view: new Set(),
    notice: new Set(),
  }
  private readonly resizeObserver: ResizeObserver | null
  private readonly cleanup: (() => void)[] = []

  private readonly container: HTMLElement

  constructor(container: HTMLElement, options: EditorOptions) {
    this.container = container
    this.labels = options.labels
    this.history = new History(this.doc, options.historyCap ?? 200)
    this.canvas = document.createElement('canvas')
    this.canvas.className = 'lh-canvas'
    this.canvas.tabIndex = 0
    this.canvas.style.touchAction = 'none'
    this.canvas.setAttribute('data-testid', 'editor-canvas')
    container.appendChild(this.canvas)
    this.painter = new Painter(this.canvas, () => this.frameContent())
    this.setLabels(options.labels)
    const host = this.interactionHost()
    const held: HeldKeys = { space: false }
    this.cleanup.push(attachPointer(host, held), attachWheel(host), attachKeyboard(host, held))
    this.updateCursor()
    this.resizeObserver = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => this.resize()) : null
    this.resizeObserver?.observe(container)
    this.resize()
  }

  // ---- public interface -------------------------------------------------------------------------

  on<K extends keyof EditorEvents>(event: K, fn: EditorEvents[K]): () => void {
    this.listeners[event].add(fn)
    return () => this.listeners[event].delete(fn)
  }

  /** Show the image at `url`, or the one `decoded` (fetched and decoded ahead, for the same URL). */
  async loadImage(url: string, decoded?: Promise<HTMLImageElement>): Promise<ImageSize> {
    delete this.canvas.dataset.image
    const img = await (decoded ?? decodeImage(url))
    this.image = img
    this.imageSize = { width: img.naturalWidth, height: img.naturalHeight }
    this.contentVersion += 1
    this.fit()
    // lets tests and tooling know the image is shown (and how big it is)
    this.canvas.dataset.image = `${img.naturalWidth}x${img.naturalHeight}`
    return this.imageSize
  }

  /** Replace every shape (a loaded annotation): history starts afresh and nothing is dirty. */
  setShapes(shapes: Shape[]): void {
    this.tool.cancel()
    this.doc.shapes = shapes.map((s) => ({ ...s }))
    this.history.clear()
    this.selectedId = null
    this.hidden.clear()
    this.locked.clear()
    this.savedMarker = this.history.marker
    this.changed()
  }

  getShapes(): Shape[] {
    return this.doc.shapes.map((s) => ({ ...s }))
  }

  /** Suggestions drawn dashed with their score; `focusedId` is drawn as the current one. */
  setPredictions(shapes: Shape[], focusedId: string | null = null): void {
    this.predictions = shapes
    this.focusedPrediction = focusedId
    this.invalidate()
  }

  /** Copy prediction shapes into the annotation as one undoable step; returns the new shapes' ids. */
  acceptShapes(shapes: Shape[]): string[] {
    if (shapes.length === 0) return []
    const copies = shapes.map((s) => {
      const copy = { ...s, id: newShapeId() }
      delete copy.score
      return copy
    })
    this.execute(new AddShapes(copies))
    return copies.map((c) => c.id)
  }

  /** The review overlay: what changed since the version reviewed last (null: none). */
  setChanges(changes: readonly ShapeChange[] | null): void {
    this.changes = changes ? new Map(changes.map((c) => [c.id, c])) : null
    this.invalidate()
  }

  /** Hide or show a shape (the selected one by default); a hidden shape is neither drawn nor hit. */
  toggleHidden(id = this.selectedId): void {
    if (!id || !this.doc.get(id)) return
    if (this.hidden.has(id)) this.hidden.delete(id)
    else {
      this.hidden.add(id)
      if (this.selectedId === id) this.selectedId = null
    }
    this.emitState()
    this.invalidate()
  }

  /** Lock or unlock a shape (the selected one by default): a locked shape cannot be moved, relabelled or deleted. */
  toggleLocked(id = this.selectedId): void {
    if (!id || !this.doc.get(id)) return
    if (this.locked.has(id)) this.locked.delete(id)
    else this.locked.add(id)
    this.emitState()
    this.requestRender()
  }

  /** Select the next (or previous) visible shape, wrapping around: keyboard review without the mouse. */
  selectAdjacent(step: 1 | -1): void {
    const visible = this.doc.shapes.filter((s) => s.type !== 'tag' && !this.hidden.has(s.id))
    if (visible.length === 0) return
    const i = visible.findIndex((s) => s.id === this.selectedId)
    const next = i < 0 ? (step > 0 ? 0 : visible.length - 1) : (i + step + visible.length) % visible.length
    this.select(visible[next].id)
  }

  /** COCO keypoint visibility of one point: 0 not labelled, 1 labelled but hidden, 2 visible (undoable). */
  setKeypointVisibility(id: string, index: number, v: 0 | 1 | 2): void {
    const s = this.doc.get(id)
    if (!s || s.type !== 'keypoints' || !s.points[index] || this.locked.has(id) || s.points[index][2] === v) return
    const points = s.points.map((p, i) => (i === index ? ([p[0], p[1], v] as [number, number, number]) : p))
    this.execute(new UpdateShape(s, { ...s, points }, 'visibility'))
  }

  /** Replace every shape as one undoable change (restoring unsaved work). */
  replaceShapes(shapes: Shape[]): void {
    this.selectedId = null
    this.execute(new ReplaceAll(shapes.map((s) => ({ ...s }))))
  }

  setLabels(labels: EditorLabel[]): void {
    this.labels = labels
    this.labelMap = new Map(labels.map((l) => [l.value, l]))
    if (this.activeLabel === null || !this.labelMap.has(this.activeLabel))
      this.activeLabel = labels.find((l) => !isTagOnly(l))?.value ?? null
    this.invalidate()
  }

  /** Brighten or add contrast to dark factory images, on screen only (1 = unchanged). */
  setImageAdjust(adjust: { brightness: number; contrast: number }): void {
    this.adjust = { brightness: Math.max(0.2, Math.min(4, adjust.brightness)), contrast: Math.max(0.2, Math.min(4, adjust.contrast)) }
    this.invalidate()
  }

  setSegmenter(segmenter: Segmenter | null): void {
    this.segmenter = segmenter
  }

  /** Review mode: look, select and zoom; nothing changes. */
  setReadOnly(readOnly: boolean): void {
    this.readOnly = readOnly
    this.tool.cancel()
    this.tool = createTool(readOnly ? 'pan' : 'bbox')
    this.updateCursor()
    this.emitState()
    this.requestRender()
  }

  /** The tools the active label allows (smart select only with a segmenter): what the toolbox offers. */
  allowedTools(): ToolName[] {
    return toolsFor(this.activeLabel ? this.labelMap.get(this.activeLabel) : null, this.segmenter !== null)
  }

  setTool(name: ToolName): void {
    if (this.readOnly && name !== 'pan') return
    if (name === this.tool.name) return
    if (name === 'segment' && !this.segmenter) return
    this.tool.cancel()
    this.tool = createTool(name)
    this.pickLabelFor(name)
    this.updateCursor()
    this.emitState()
    this.requestRender()
  }

  /** A drawing tool the active label may not use switches to the first label that may. */
  private pickLabelFor(tool: ToolName): void {
    if (tool !== 'bbox' && tool !== 'polygon' && tool !== 'keypoints' && tool !== 'segment') return
    const shapeTypes = tool === 'segment' ? (['polygon', 'bbox'] as const) : ([tool] as const)
    const allows = (l: EditorLabel | undefined) => !!l && (l.tools.length === 0 || shapeTypes.some((t) => l.tools.includes(t)))
    if (allows(this.activeLabel ? this.labelMap.get(this.activeLabel) : undefined)) return
    const other = this.labels.find(allows)
    if (other) this.activeLabel = other.value
  }

  private updateCursor(): void {
    const name = this.tool.name
    this.canvas.style.cursor = name === 'select' ? 'default' : name === 'pan' ? 'grab' : 'crosshair'
  }

  /** Add or remove a whole-image tag (one undoable step). */
  toggleTag(value: string): void {
    const existing = this.doc.shapes.find((s) => s.type === 'tag' && s.label === value)
    if (existing) this.execute(new RemoveShape(existing))
    else this.execute(new AddShapes([{ id: newShapeId(), type: 'tag', label: value }]))
  }

  /** Choose the label for new shapes; a selected shape takes it too (undoable). A tag-only label toggles its tag. */
  setActiveLabel(value: string): void {
    const label = this.labelMap.get(value)
    if (this.readOnly || !label) return
    if (isTagOnly(label)) {
      this.toggleTag(value)
      return
    }
    this.activeLabel = value
    // a drawing tool this label may not use gives way to the first one it may
    const allowed = this.allowedTools()
    if (!allowed.includes(this.tool.name)) this.setTool(allowed.find((t) => t !== 'select' && t !== 'pan') ?? 'select')
    const selected = this.selectedShape()
    if (selected && selected.type !== 'tag' && selected.label !== value && !this.locked.has(selected.id)) this.execute(new UpdateShape(selected, { ...selected, label: value }, 'relabel'))
    this.emitState()
  }

  select(id: string | null): void {
    this.selectedId = id && this.doc.get(id) ? id : null
    this.emitState()
    this.requestRender()
  }

  deleteSelected(): void {
    const s = this.selectedShape()
    if (!s || this.locked.has(s.id)) return
    this.selectedId = null
    this.execute(new RemoveShape(s))
  }

  /** Move the selected shape by whole image pixels (arrow keys); false when nothing is selected. */
  nudgeSelected(dx: number, dy: number): boolean {
    const s = this.selectedShape()
    if (!s || this.readOnly) return false
    if (this.locked.has(s.id)) return true
    const moved = moveShape(s, dx, dy, this.imageSize)
    if (JSON.stringify(moved) !== JSON.stringify(s)) this.execute(new UpdateShape(s, moved, 'nudge'))
    return true
  }

  undo(): void {
    if (this.readOnly) return
    this.tool.cancel()
    if (this.history.undo()) this.afterHistory()
  }

  redo(): void {
    if (this.readOnly) return
    this.tool.cancel()
    if (this.history.redo()) this.afterHistory()
  }

  /** The current shapes were saved: the editor is clean until the next change. */
  markSaved(): void {
    this.savedMarker = this.history.marker
    this.emitState()
  }

  fit(): void {
    this.setViewport(fitImage(this.imageSize, this.viewSize()))
  }

  zoomBy(factor: number, anchor?: Point): void {
    const view = this.viewSize()
    this.setViewport(zoomAt(this.viewport, factor, anchor ?? { x: view.width / 2, y: view.height / 2 }))
  }

  /** The current zoom (1 = one image pixel per CSS pixel); changes are told by the `view` event. */
  get zoom(): number {
    return this.viewport.scale
  }

  /** Image pixel under a point in the canvas element (CSS pixels); for tests and the status bar. */
  imagePoint(screen: Point): Point {
    return toImage(this.viewport, screen)
  }

  getState(): EditorState {
    return {
      busy: this.tool.state === 'waiting',
      readOnly: this.readOnly,
      nextPoint: this.tool instanceof KeypointsTool ? this.tool.nextPointName() : null,
      tool: this.tool.name,
      activeLabel: this.activeLabel,
      selectedId: this.selectedId,
      canUndo: this.history.canUndo,
      canRedo: this.history.canRedo,
      dirty: this.history.marker !== this.savedMarker,
      hidden: [...this.hidden],
      locked: [...this.locked],
    }
  }

  /** Accessible name of the drawing surface (translated by the host page). */
  setAriaLabel(text: string): void {
    this.canvas.setAttribute('aria-label', text)
  }

  /** Keyboard entry point, also used by the page for keys pressed outside the canvas. */
  handleKey(input: KeyInput): boolean {
    const action = keyAction(input, this.labels)
    if (!action) return false
    switch (action.kind) {
      case 'tool':
        this.setTool(action.tool)
        return true
      case 'label':
        this.setActiveLabel(action.value)
        return true
      case 'undo':
        this.undo()
        return true
      case 'redo':
        this.redo()
        return true
      case 'delete':
        this.deleteSelected()
        return true
      case 'fit':
        this.fit()
        return true
      case 'nudge':
        return this.nudgeSelected(action.dx, action.dy)
      case 'hide':
        this.toggleHidden()
        return true
      case 'lock':
        this.toggleLocked()
        return true
      case 'shape':
        this.selectAdjacent(action.step)
        return true
      case 'zoom':
        this.zoomBy(action.factor)
        return true
      case 'tool-key': {
        const used = this.tool.key(this.toolContext(), action.key)
        if (used) this.emitState()
        if (!used && action.key === 'Backspace') this.deleteSelected()
        if (!used && action.key === 'Escape') this.select(null)
        this.requestRender()
        return true
      }
    }
  }

  focus(): void {
    this.canvas.focus()
  }

  destroy(): void {
    this.painter.destroy()
    this.resizeObserver?.disconnect()
    for (const undo of this.cleanup) undo()
    this.canvas.remove()
  }

  // ---- internals --------------------------------------------------------------------------------

  private interactionHost(): InteractionHost {
    return {
      element: this.canvas,
      pointer: (e) => {
        const rect = this.canvas.getBoundingClientRect()
        const screen = { x: e.clientX - rect.left, y: e.clientY - rect.top }
        return { screen, image: toImage(this.viewport, screen) }
      },
      tool: () => this.tool,
      toolContext: () => this.toolContext(),
      pan: (dx, dy) => this.setViewport(panBy(this.viewport, dx, dy)),
      zoomBy: (factor, anchor) => this.zoomBy(factor, anchor),
      handleKey: (input) => this.handleKey(input),
      toolChanged: () => {
        this.emitState()
        this.requestRender()
      },
      redraw: () => this.requestRender(),
    }
  }

  private selectedShape(): Shape | undefined {
    return this.selectedId ? this.doc.get(this.selectedId) : undefined
  }

  private execute(cmd: Command<ShapeDocument>): void {
    if (this.readOnly) return
    this.history.execute(cmd)
    this.changed()
  }

  private afterHistory(): void {
    if (this.selectedId && !this.doc.get(this.selectedId)) this.selectedId = null
    this.changed()
  }

  private changed(): void {
    for (const fn of this.listeners.change) fn(this.getShapes())
    this.emitState()
    this.invalidate()
  }

  /** What the static layer shows changed: it is rasterised again on the next frame. */
  private invalidate(): void {
    this.contentVersion += 1
    this.requestRender()
  }

  private setViewport(viewport: Viewport): void {
    const zoomed = viewport.scale !== this.viewport.scale
    this.viewport = viewport
    if (zoomed) for (const fn of this.listeners.view) fn(viewport.scale)
    this.painter.viewMoved()
  }

  private emitState(): void {
    const state = this.getState()
    for (const fn of this.listeners.state) fn(state)
  }

  private toolContext(): ToolContext {
    return {
      image: this.imageSize,
      scale: this.viewport.scale,
      shapes: this.hidden.size || this.locked.size ? this.doc.shapes.filter((s) => !this.hidden.has(s.id) && !this.locked.has(s.id)) : this.doc.shapes,
      selectedId: this.selectedId,
      label: this.activeLabel ? (this.labelMap.get(this.activeLabel) ?? null) : null,
      newId: newShapeId,
      commit: (cmd) => this.execute(cmd),
      select: (id) => this.select(id),
      pan: (dx, dy) => this.setViewport(panBy(this.viewport, dx, dy)),
      notify: (notice) => {
        for (const fn of this.listeners.notice) fn(notice)
      },
      redraw: () => {
        this.emitState()
        this.requestRender()
      },
      segment: this.segmenter ?? undefined,
    }
  }

  private viewSize(): ImageSize {
    return { width: this.container.clientWidth || 1, height: this.container.clientHeight || 1 }
  }

  private resize(): void {
    const { width, height } = this.viewSize()
    const dpr = window.devicePixelRatio || 1
    this.canvas.width = Math.round(width * dpr)
    this.canvas.height = Math.round(height * dpr)
    this.canvas.style.width = `${width}px`
    this.canvas.style.height = `${height}px`
    if (this.image) this.fit()
    else this.requestRender()
  }

  private requestRender(): void {
    this.painter.request()
  }

  private frameContent(): Frame {
    const preview = this.tool.preview()
    const { width, height } = this.viewSize()
    return {
      width,
      height,
      // the static layer shows every shape but the selected and the edited one: those two are part of its key
      key: [this.contentVersion, this.image, this.labelMap, this.hidden.size, this.selectedId, preview && this.doc.get(preview.id) ? preview.id : null],
      scene: {
        image: this.image,
        imageSize: this.imageSize,
        viewport: this.viewport,
        shapes: this.doc.shapes,
        predictions: this.predictions,
        focusedPrediction: this.focusedPrediction,
        selectedId: this.selectedId,
        preview,
        cursor: this.tool.cursor(),
        labels: this.labelMap,
        activeColor: (this.activeLabel && this.labelMap.get(this.activeLabel)?.color) || '#f5b700',
        brightness: this.adjust.brightness,
        contrast: this.adjust.contrast,
        hidden: this.hidden,
        changes: this.changes,
      },
    }
  }
}
