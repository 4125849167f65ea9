// Shape format of contracts/shape.v1: image pixel coordinates, origin top-left, label = stable value.

export interface Point {
  x: number
  y: number
}

/** Where an accepted suggestion came from (contracts/shape.v1 `provenance`), kept in the annotation's history. */
export interface Provenance {
  model_version: string
  prediction_id?: number
  shape_id?: string
  /** exemplar set version per label that produced the suggestion */
  exemplar_sets?: Record<string, number>
  /** accepted through "edit then accept" */
  edited?: boolean
}

interface ShapeBase {
  id: string
  label: string
  score?: number
  provenance?: Provenance
}

export interface BBoxShape extends ShapeBase {
  type: 'bbox'
  x: number
  y: number
  w: number
  h: number
}

export interface PolygonShape extends ShapeBase {
  type: 'polygon'
  points: [number, number][]
}

export interface KeypointsShape extends ShapeBase {
  type: 'keypoints'
  /** [x, y, v]: v 0 absent, 1 hidden, 2 visible */
  points: [number, number, number][]
  skeleton?: string
}

export interface TagShape extends ShapeBase {
  type: 'tag'
}

export type Shape = BBoxShape | PolygonShape | KeypointsShape | TagShape
export type ShapeType = Shape['type']

/** Drawing tools; `select` moves/resizes, `pan` only drags the view, `segment` asks the model (click-to-segment). */
export type ToolName = 'select' | 'pan' | 'bbox' | 'polygon' | 'keypoints' | 'segment'

export interface EditorLabel {
  value: string
  /** display name in the current locale */
  name: string
  color: string
  hotkey?: string
  /** shape types this label allows (`tag`: whole-image classification); empty means every drawing tool */
  tools: ShapeType[]
  /** named keypoint skeleton: the keypoints tool finishes after this many points */
  skeleton?: { name: string; points: string[]; edges?: [number, number][] }
}

export interface ImageSize {
  width: number
  height: number
}

/** A label used only as a whole-image tag (no drawing tool). */
export function isTagOnly(label: EditorLabel): boolean {
  return label.tools.length > 0 && label.tools.every((t) => t === 'tag')
}
