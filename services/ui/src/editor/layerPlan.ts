// When the static layer (image + every shape not being edited, rasterised once) can be reused, and where it
// lands in the view. While the view pans or zooms the layer is blitted with a transform; it is re-rasterised
// when what it shows changes, when the view outgrows it (zoomed or panned past its margin, or stretched
// beyond MAX_STRETCH), and once the view settles, so the picture is sharp again at the new scale.
import type { Viewport } from './viewport'

/** Zooming the cached picture further than this (in or out) re-rasterises it. */
export const MAX_STRETCH = 2
/** The view has settled when it has not moved for this long (ms): then the layer is re-rasterised sharp. */
export const SETTLE_MS = 150

/** What a rasterised layer shows: `key` names its content, the rest its geometry. */
export interface LayerSpec {
  key: readonly unknown[]
  vp: Viewport
  /** the view in CSS px, the margin drawn around it on each side, device pixels per CSS px */
  width: number
  height: number
  marginX: number
  marginY: number
  dpr: number
}

/** Where the layer goes in the view (CSS px). */
export interface Placement {
  x: number
  y: number
  w: number
  h: number
}

export function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]))
}

/** The margin drawn around the view: half the view each way, so a pan of half a screen still blits. */
export function layerMargin(width: number, height: number): { marginX: number; marginY: number } {
  return { marginX: Math.ceil(width / 2), marginY: Math.ceil(height / 2) }
}

/** The layer drawn at `cached.vp`, placed for viewport `vp`: the same image point lands on the same screen point. */
export function placement(cached: LayerSpec, vp: Viewport): Placement {
  const k = vp.scale / cached.vp.scale
  return {
    x: vp.offsetX - k * (cached.vp.offsetX + cached.marginX),
    y: vp.offsetY - k * (cached.vp.offsetY + cached.marginY),
    w: k * (cached.width + 2 * cached.marginX),
    h: k * (cached.height + 2 * cached.marginY),
  }
}

function covers(p: Placement, width: number, height: number): boolean {
  return p.x <= 0 && p.y <= 0 && p.x + p.w >= width && p.y + p.h >= height
}

/** Must the layer be rasterised again to show `want`? (`settled`: the view has stopped moving.) */
export function needsRaster(cached: LayerSpec | null, want: LayerSpec, settled: boolean): boolean {
  if (!cached) return true
  if (!sameKey(cached.key, want.key) || cached.width !== want.width || cached.height !== want.height || cached.dpr !== want.dpr) return true
  const a = cached.vp
  const b = want.vp
  if (a.scale === b.scale && a.offsetX === b.offsetX && a.offsetY === b.offsetY) return false
  if (settled) return true
  const k = b.scale / a.scale
  if (k > MAX_STRETCH || k < 1 / MAX_STRETCH) return true
  return !covers(placement(cached, b), want.width, want.height)
}
