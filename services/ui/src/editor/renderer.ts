// Draws the scene on 2D contexts in three passes, pure functions of their inputs:
// - the image pass, every frame: background and the image (one scaled blit of the decoded image);
// - the static pass: suggestions, review ghosts and every shape that is not being edited, culled to a region
//   of the view; rasterised once into the transparent static layer (staticLayer.ts) and reused;
// - the live pass, every frame on top: the selected shape, the shape being drawn or edited, the cursor.
// The shape being edited is drawn above the others (rather than in its place in the list).
import { CHANGE_COLORS, type ShapeChange } from './diff'
import { CAPTION_FONT, captionWidth, drawShape } from './drawShape'
import { mayShow, type Region } from './culling'
import { shapeBounds } from './geometry'
import type { EditorLabel, Point, Shape } from './types'
import { toScreen, type Viewport } from './viewport'

export interface Scene {
  image: CanvasImageSource | null
  imageSize: { width: number; height: number }
  viewport: Viewport
  shapes: readonly Shape[]
  /** predictions drawn dashed, not editable */
  predictions: readonly Shape[]
  /** the suggestion the keyboard acts on (drawn thicker) */
  focusedPrediction?: string | null
  selectedId: string | null
  /** the tool's in-progress shape; one with an existing id replaces that shape */
  preview: Shape | null
  cursor: Point | null
  labels: ReadonlyMap<string, EditorLabel>
  activeColor: string
  /** display-only image adjustment (1 = unchanged); never alters the image or the shapes */
  brightness: number
  contrast: number
  /** shapes not drawn (hidden by the user) */
  hidden?: ReadonlySet<string>
  /** review overlay: changes since the version reviewed last, drawn in CHANGE_COLORS */
  changes?: ReadonlyMap<string, ShapeChange> | null
}

export const BACKGROUND = '#1f2933'
const UNKNOWN_COLOR = '#9aa5b1'

/** Is the shape drawn by the live pass (selected, or being edited by the tool)? */
export function isLive(scene: Scene, id: string): boolean {
  return id === scene.selectedId || (scene.preview !== null && scene.preview.id === id)
}

/** The background and the image (adjusted for display only), `width` x `height` CSS px. */
export function renderImage(ctx: CanvasRenderingContext2D, width: number, height: number, scene: Scene): void {
  const vp = scene.viewport
  ctx.save()
  ctx.fillStyle = BACKGROUND
  ctx.fillRect(0, 0, width, height)
  if (scene.image) {
    ctx.imageSmoothingEnabled = vp.scale < 2
    if (scene.brightness !== 1 || scene.contrast !== 1) ctx.filter = `brightness(${scene.brightness}) contrast(${scene.contrast})`
    ctx.drawImage(scene.image, vp.offsetX, vp.offsetY, scene.imageSize.width * vp.scale, scene.imageSize.height * vp.scale)
  }
  ctx.restore()
}

/** Does the static pass draw anything (else the layer is skipped)? */
export function hasStatic(scene: Scene): boolean {
  return scene.predictions.length > 0 || (scene.changes?.size ?? 0) > 0 || scene.shapes.some((s) => s.type !== 'tag' && !isLive(scene, s.id))
}

/** Everything that stays put while the user works, on a transparent layer, culled to `region` (view CSS px). */
export function renderStatic(ctx: CanvasRenderingContext2D, region: Region, scene: Scene): void {
  const vp = scene.viewport
  ctx.save()
  ctx.clearRect(region.x0, region.y0, region.x1 - region.x0, region.y1 - region.y0)
  ctx.font = CAPTION_FONT
  ctx.textBaseline = 'middle'
  const shows = (s: Shape, caption: string) => {
    const b = shapeBounds(s)
    return b !== null && mayShow(b, vp, region, captionWidth(ctx, caption))
  }
  for (const p of scene.predictions) {
    const caption = nameOf(scene, p) + (p.score === undefined ? '' : ` ${Math.round(p.score * 100)}%`)
    if (shows(p, caption)) drawShape(ctx, vp, p, colorOf(scene, p), { dashed: true, focused: p.id === scene.focusedPrediction, caption })
  }
  if (scene.changes) drawGhosts(ctx, vp, scene, shows)
  for (const s of scene.shapes) {
    if (scene.hidden?.has(s.id) || isLive(scene, s.id)) continue
    const caption = nameOf(scene, s)
    if (shows(s, caption)) drawShape(ctx, vp, s, shapeColor(scene, s), { caption, edges: scene.labels.get(s.label)?.skeleton?.edges })
  }
  ctx.restore()
}

/** The selected shape, the shape being drawn or edited, and the point the model works on. */
export function renderLive(ctx: CanvasRenderingContext2D, scene: Scene): void {
  const vp = scene.viewport
  ctx.save()
  ctx.font = CAPTION_FONT
  ctx.textBaseline = 'middle'
  for (const s of scene.shapes) {
    if (scene.hidden?.has(s.id) || !isLive(scene, s.id)) continue
    const shown = scene.preview && scene.preview.id === s.id ? scene.preview : s
    drawShape(ctx, vp, shown, shapeColor(scene, s), {
      selected: s.id === scene.selectedId,
      caption: nameOf(scene, s),
      edges: scene.labels.get(s.label)?.skeleton?.edges,
    })
  }
  if (scene.preview && !scene.shapes.some((s) => s.id === scene.preview!.id)) {
    drawShape(ctx, vp, scene.preview, scene.activeColor, { open: scene.preview.type === 'polygon', cursor: scene.cursor })
  } else if (scene.cursor) {
    // a point the model is working on (click-to-segment)
    const p = toScreen(vp, scene.cursor)
    ctx.strokeStyle = scene.activeColor
    ctx.lineWidth = 2
    ctx.beginPath()
    ctx.arc(p.x, p.y, 9, 0, Math.PI * 2)
    ctx.moveTo(p.x - 14, p.y)
    ctx.lineTo(p.x + 14, p.y)
    ctx.moveTo(p.x, p.y - 14)
    ctx.lineTo(p.x, p.y + 14)
    ctx.stroke()
  }
  ctx.restore()
}

/** Where removed and moved shapes were in the version reviewed last: dashed, in their change colour. */
function drawGhosts(ctx: CanvasRenderingContext2D, vp: Viewport, scene: Scene, shows: (s: Shape, caption: string) => boolean): void {
  for (const c of scene.changes!.values()) {
    if ((c.kind !== 'removed' && c.kind !== 'moved') || !c.before) continue
    const caption = c.kind === 'removed' ? `✕ ${nameOf(scene, c.before)}` : undefined
    if (!shows(c.before, caption ?? '')) continue
    ctx.globalAlpha = c.kind === 'moved' ? 0.6 : 1
    drawShape(ctx, vp, c.before, CHANGE_COLORS[c.kind], { dashed: true, caption })
    ctx.globalAlpha = 1
  }
}

function nameOf(scene: Scene, s: Shape): string {
  return scene.labels.get(s.label)?.name ?? s.label
}

/** A shape's colour: its change colour in the review overlay, else its label's. */
function shapeColor(scene: Scene, s: Shape): string {
  const change = scene.changes?.get(s.id)
  return change && change.kind !== 'same' ? CHANGE_COLORS[change.kind] : colorOf(scene, s)
}

function colorOf(scene: Scene, s: Shape): string {
  return scene.labels.get(s.label)?.color ?? UNKNOWN_COLOR
}
