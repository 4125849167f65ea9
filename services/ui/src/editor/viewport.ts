// Screen <-> image coordinate transforms: screen = image * scale + offset (CSS pixels).
import { clamp } from './geometry'
import type { ImageSize, Point } from './types'

export interface Viewport {
  scale: number
  offsetX: number
  offsetY: number
}

export const MIN_SCALE = 0.02
export const MAX_SCALE = 40

export function toImage(vp: Viewport, p: Point): Point {
  return { x: (p.x - vp.offsetX) / vp.scale, y: (p.y - vp.offsetY) / vp.scale }
}

export function toScreen(vp: Viewport, p: Point): Point {
  return { x: p.x * vp.scale + vp.offsetX, y: p.y * vp.scale + vp.offsetY }
}

/** Zoom by `factor`, keeping the image point under `anchor` (screen) fixed. */
export function zoomAt(vp: Viewport, factor: number, anchor: Point): Viewport {
  const scale = clamp(vp.scale * factor, MIN_SCALE, MAX_SCALE)
  const k = scale / vp.scale
  return { scale, offsetX: anchor.x - (anchor.x - vp.offsetX) * k, offsetY: anchor.y - (anchor.y - vp.offsetY) * k }
}

export function panBy(vp: Viewport, dx: number, dy: number): Viewport {
  return { ...vp, offsetX: vp.offsetX + dx, offsetY: vp.offsetY + dy }
}

/** The whole image centred in the view with `padding` CSS pixels around it. */
export function fitImage(image: ImageSize, view: ImageSize, padding = 16): Viewport {
  const w = Math.max(1, view.width - 2 * padding)
  const h = Math.max(1, view.height - 2 * padding)
  const scale = clamp(Math.min(w / image.width, h / image.height), MIN_SCALE, MAX_SCALE)
  return {
    scale,
    offsetX: (view.width - image.width * scale) / 2,
    offsetY: (view.height - image.height * scale) / 2,
  }
}
