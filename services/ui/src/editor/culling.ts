// Which shapes can show in a region of the view: a shape whose outline, handles and caption all fall outside
// is not drawn. Screen (CSS) pixels throughout; the caption sits above the shape's top-left corner, or
// inside it when there is no room above the view's top edge (drawShape.ts).
import type { Bounds } from './geometry'
import type { Viewport } from './viewport'

/** A rectangle of the view in CSS pixels (may reach past the view's edges: a layer's margin). */
export interface Region {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** Outline width, keypoint dots and dashes reach this far (CSS px) past a shape's bounds. */
export const OUTLINE_PAD = 10
/** Height of a caption chip (CSS px). */
export const CAPTION_HEIGHT = 18

/** The view (width x height CSS px) grown by a margin on each side. */
export function viewRegion(width: number, height: number, marginX = 0, marginY = 0): Region {
  return { x0: -marginX, y0: -marginY, x1: width + marginX, y1: height + marginY }
}

/**
 * Can a shape with image-pixel bounds `b` and a caption `captionWidth` CSS px wide paint anything inside
 * `region` at viewport `vp`? Conservative: true may still paint nothing, false never paints.
 */
export function mayShow(b: Bounds, vp: Viewport, region: Region, captionWidth: number): boolean {
  const left = b.x * vp.scale + vp.offsetX
  const top = b.y * vp.scale + vp.offsetY
  const right = left + b.w * vp.scale
  const bottom = top + b.h * vp.scale
  const x0 = left - OUTLINE_PAD
  const x1 = Math.max(right, left + captionWidth) + OUTLINE_PAD
  const y0 = top - CAPTION_HEIGHT - OUTLINE_PAD
  const y1 = Math.max(bottom, top + CAPTION_HEIGHT) + OUTLINE_PAD
  return x1 >= region.x0 && x0 <= region.x1 && y1 >= region.y0 && y0 <= region.y1
}
