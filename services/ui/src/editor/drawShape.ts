// Draws one shape (outline, translucent fill, handles, caption) on a 2D context in view coordinates.
// Callers set `ctx.font = CAPTION_FONT` and `ctx.textBaseline = 'middle'` once per pass (setting a font
// per caption costs a font parse each time).
import { CAPTION_HEIGHT } from './culling'
import { HANDLES, handlePoint, shapeBounds } from './geometry'
import type { Point, Shape } from './types'
import { toScreen, type Viewport } from './viewport'

export const CAPTION_FONT = '12px system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif'
const HANDLE_SIZE = 8

export interface Style {
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

/** Caption text widths (CAPTION_FONT) by text: captions repeat a few label names, so each is measured once. */
const captionWidths = new Map<string, number>()

/** Width of a caption chip (CSS px), text plus padding; `ctx` must have CAPTION_FONT set. */
export function captionWidth(ctx: CanvasRenderingContext2D, text: string): number {
  let w = captionWidths.get(text)
  if (w === undefined) {
    if (captionWidths.size > 2000) captionWidths.clear()
    w = ctx.measureText(text).width + 8
    captionWidths.set(text, w)
  }
  return w
}

export function drawShape(ctx: CanvasRenderingContext2D, vp: Viewport, s: Shape, color: string, style: Style): void {
  ctx.strokeStyle = color
  ctx.fillStyle = color
  ctx.lineWidth = style.selected || style.focused ? 3 : 2
  if (style.dashed) ctx.setLineDash([6, 4])
  switch (s.type) {
    case 'bbox': {
      const x = s.x * vp.scale + vp.offsetX
      const y = s.y * vp.scale + vp.offsetY
      ctx.globalAlpha = style.selected ? 0.25 : 0.12
      ctx.fillRect(x, y, s.w * vp.scale, s.h * vp.scale)
      ctx.globalAlpha = 1
      ctx.strokeRect(x, y, s.w * vp.scale, s.h * vp.scale)
      if (style.selected) for (const h of HANDLES) drawHandle(ctx, toScreen(vp, handlePoint(s, h)))
      break
    }
    case 'polygon': {
      if (s.points.length === 0) break
      ctx.beginPath()
      for (let i = 0; i < s.points.length; i++) {
        const x = s.points[i][0] * vp.scale + vp.offsetX
        const y = s.points[i][1] * vp.scale + vp.offsetY
        if (i === 0) ctx.moveTo(x, y)
        else ctx.lineTo(x, y)
      }
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
  if (style.dashed) ctx.setLineDash([])
  if (style.caption) drawCaption(ctx, vp, s, color, style.caption)
}

function drawCaption(ctx: CanvasRenderingContext2D, vp: Viewport, s: Shape, color: string, text: string): void {
  const b = shapeBounds(s)
  if (!b) return
  const x = b.x * vp.scale + vp.offsetX
  const top = b.y * vp.scale + vp.offsetY
  const w = captionWidth(ctx, text)
  const y = top >= CAPTION_HEIGHT ? top - CAPTION_HEIGHT : top
  ctx.globalAlpha = 0.9
  ctx.fillStyle = color
  ctx.fillRect(x, y, w, CAPTION_HEIGHT)
  ctx.globalAlpha = 1
  ctx.fillStyle = '#ffffff'
  ctx.fillText(text, x + 4, y + CAPTION_HEIGHT / 2)
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
