// Draws the image and shapes on a 2D context; pure function of its inputs.
import { CHANGE_COLORS, type ShapeChange } from './diff'
import { HANDLES, handlePoint, shapeBounds } from './geometry'
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

const UNKNOWN_COLOR = '#9aa5b1'
const HANDLE_SIZE = 8

export function render(ctx: CanvasRenderingContext2D, width: number, height: number, scene: Scene): void {
  const vp = scene.viewport
  ctx.save()
  ctx.fillStyle = '#1f2933'
  ctx.fillRect(0, 0, width, height)
  if (scene.image) {
    ctx.imageSmoothingEnabled = vp.scale < 2
    if (scene.brightness !== 1 || scene.contrast !== 1) ctx.filter = `brightness(${scene.brightness}) contrast(${scene.contrast})`
    ctx.drawImage(scene.image, vp.offsetX, vp.offsetY, scene.imageSize.width * vp.scale, scene.imageSize.height * vp.scale)
    ctx.filter = 'none'
  }
  for (const p of scene.predictions) {
    const score = p.score === undefined ? '' : ` ${Math.round(p.score * 100)}%`
    drawShape(ctx, vp, p, colorOf(scene, p), { dashed: true, focused: p.id === scene.focusedPrediction, caption: nameOf(scene, p) + score })
  }
  if (scene.changes) drawGhosts(ctx, vp, scene)
  for (const s of scene.shapes) {
    if (scene.hidden?.has(s.id)) continue
    const shown = scene.preview && scene.preview.id === s.id ? scene.preview : s
    const change = scene.changes?.get(s.id)
    const color = change && change.kind !== 'same' ? CHANGE_COLORS[change.kind] : colorOf(scene, s)
    drawShape(ctx, vp, shown, color, {
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
function drawGhosts(ctx: CanvasRenderingContext2D, vp: Viewport, scene: Scene): void {
  for (const c of scene.changes!.values()) {
    if ((c.kind !== 'removed' && c.kind !== 'moved') || !c.before) continue
    ctx.save()
    ctx.globalAlpha = c.kind === 'moved' ? 0.6 : 1
    drawShape(ctx, vp, c.before, CHANGE_COLORS[c.kind], { dashed: true, caption: c.kind === 'removed' ? `✕ ${nameOf(scene, c.before)}` : undefined })
    ctx.restore()
  }
}

function nameOf(scene: Scene, s: Shape): string {
  return scene.labels.get(s.label)?.name ?? s.label
}

function colorOf(scene: Scene, s: Shape): string {
  return scene.labels.get(s.label)?.color ?? UNKNOWN_COLOR
}

interface Style {
  selected?: boolean
  dashed?: boolean
  focused?: boolean
  open?: boolean
  cursor?: Point | null
  /** label name (and score) drawn at the shape's top-left corner */
  caption?: string
  /** skeleton edges between keypoints (indexes) */
  edges?: [number, number][]
}

function drawShape(ctx: CanvasRenderingContext2D, vp: Viewport, s: Shape, color: string, style: Style): void {
  ctx.strokeStyle = color
  ctx.fillStyle = color
  ctx.lineWidth = style.selected || style.focused ? 3 : 2
  ctx.setLineDash(style.dashed ? [6, 4] : [])
  switch (s.type) {
    case 'bbox': {
      const a = toScreen(vp, { x: s.x, y: s.y })
      ctx.globalAlpha = style.selected ? 0.25 : 0.12
      ctx.fillRect(a.x, a.y, s.w * vp.scale, s.h * vp.scale)
      ctx.globalAlpha = 1
      ctx.strokeRect(a.x, a.y, s.w * vp.scale, s.h * vp.scale)
      if (style.selected) for (const h of HANDLES) drawHandle(ctx, toScreen(vp, handlePoint(s, h)))
      break
    }
    case 'polygon': {
      if (s.points.length === 0) break
      ctx.beginPath()
      s.points.forEach(([x, y], i) => {
        const p = toScreen(vp, { x, y })
        if (i === 0) ctx.moveTo(p.x, p.y)
        else ctx.lineTo(p.x, p.y)
      })
      if (style.open && style.cursor) {
        const c = toScreen(vp, style.cursor)
        ctx.lineTo(c.x, c.y)
      }
      if (!style.open) {
        ctx.closePath()
        ctx.globalAlpha = style.selected ? 0.25 : 0.12
        ctx.fill()
        ctx.globalAlpha = 1
      }
      ctx.stroke()
      if (style.selected || style.open) for (const [x, y] of s.points) drawHandle(ctx, toScreen(vp, { x, y }))
      break
    }
    case 'keypoints': {
      if (style.edges) {
        ctx.beginPath()
        for (const [a, b] of style.edges) {
          const pa = s.points[a]
          const pb = s.points[b]
          if (!pa || !pb || pa[2] === 0 || pb[2] === 0) continue
          const sa = toScreen(vp, { x: pa[0], y: pa[1] })
          const sb = toScreen(vp, { x: pb[0], y: pb[1] })
          ctx.moveTo(sa.x, sa.y)
          ctx.lineTo(sb.x, sb.y)
        }
        ctx.stroke()
      }
      for (const [x, y, v] of s.points) {
        if (v === 0) continue
        const p = toScreen(vp, { x, y })
        ctx.beginPath()
        ctx.arc(p.x, p.y, style.selected ? 6 : 5, 0, Math.PI * 2)
        ctx.globalAlpha = v === 1 ? 0.4 : 1
        ctx.fill()
        ctx.globalAlpha = 1
        ctx.strokeStyle = '#ffffff'
        ctx.lineWidth = 1.5
        ctx.stroke()
      }
      break
    }
    case 'tag':
      break
  }
  ctx.setLineDash([])
  if (style.caption) drawCaption(ctx, vp, s, color, style.caption)
}

const CAPTION_FONT = '12px system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'

function drawCaption(ctx: CanvasRenderingContext2D, vp: Viewport, s: Shape, color: string, text: string): void {
  const b = shapeBounds(s)
  if (!b) return
  const p = toScreen(vp, { x: b.x, y: b.y })
  ctx.save()
  ctx.font = CAPTION_FONT
  const w = ctx.measureText(text).width + 8
  const y = p.y >= 18 ? p.y - 18 : p.y
  ctx.globalAlpha = 0.9
  ctx.fillStyle = color
  ctx.fillRect(p.x, y, w, 18)
  ctx.globalAlpha = 1
  ctx.fillStyle = '#ffffff'
  ctx.textBaseline = 'middle'
  ctx.fillText(text, p.x + 4, y + 9)
  ctx.restore()
}

function drawHandle(ctx: CanvasRenderingContext2D, p: Point): void {
  ctx.save()
  ctx.setLineDash([])
  ctx.fillStyle = '#ffffff'
  ctx.strokeStyle = '#1f2933'
  ctx.lineWidth = 1
  ctx.fillRect(p.x - HANDLE_SIZE / 2, p.y - HANDLE_SIZE / 2, HANDLE_SIZE, HANDLE_SIZE)
  ctx.strokeRect(p.x - HANDLE_SIZE / 2, p.y - HANDLE_SIZE / 2, HANDLE_SIZE, HANDLE_SIZE)
  ctx.restore()
}
