// Keyboard map of the editor: which key does what. Pure, so it is unit-tested.
import type { EditorLabel, ToolName } from './types'

export type KeyAction =
  | { kind: 'tool'; tool: ToolName }
  | { kind: 'label'; value: string }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'delete' }
  | { kind: 'fit' }
  | { kind: 'zoom'; factor: number }
  | { kind: 'tool-key'; key: string }
  | { kind: 'nudge'; dx: number; dy: number }
  | { kind: 'hide' }
  | { kind: 'lock' }
  | { kind: 'shape'; step: 1 | -1 }

export const TOOL_KEYS: Readonly<Record<string, ToolName>> = {
  v: 'select',
  h: 'pan',
  b: 'bbox',
  r: 'bbox',
  p: 'polygon',
  k: 'keypoints',
  s: 'segment',
}

export interface KeyInput {
  key: string
  ctrl: boolean
  shift: boolean
  alt: boolean
}

/** Label hotkeys from the schema come first, so a team's own keys always work. */
export function keyAction(input: KeyInput, labels: readonly EditorLabel[]): KeyAction | null {
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key
  if (input.ctrl) {
    if (key === 'z') return input.shift ? { kind: 'redo' } : { kind: 'undo' }
    if (key === 'y') return { kind: 'redo' }
    return null
  }
  if (input.alt) return null
  // Shift+letter and Tab are never label hotkeys
  if (input.shift && key === 'h') return { kind: 'hide' }
  if (input.shift && key === 'l') return { kind: 'lock' }
  if (key === 'Tab') return { kind: 'shape', step: input.shift ? -1 : 1 }
  const label = labels.find((l) => l.hotkey && l.hotkey.toLowerCase() === key)
  if (label) return { kind: 'label', value: label.value }
  if (key === 'Enter' || key === 'Escape') return { kind: 'tool-key', key }
  if (key === 'Delete') return { kind: 'delete' }
  if (key === 'Backspace') return { kind: 'tool-key', key }
  if (key === 'f') return { kind: 'fit' }
  if (key === '+' || key === '=') return { kind: 'zoom', factor: 1.25 }
  if (key === '-') return { kind: 'zoom', factor: 0.8 }
  const step = input.shift ? 10 : 1
  const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }
  if (arrows[key]) return { kind: 'nudge', dx: arrows[key][0] * step, dy: arrows[key][1] * step }
  const tool = TOOL_KEYS[key]
  if (tool) return { kind: 'tool', tool }
  return null
}
