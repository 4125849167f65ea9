import { describe, expect, it } from 'vitest'
import { keyAction } from './hotkeys'
import type { EditorLabel } from './types'

const labels: EditorLabel[] = [
  { value: 'crack', name: '裂纹', color: '#e00', hotkey: '1', tools: [] },
  { value: 'porosity', name: '气孔', color: '#0e0', hotkey: 'b', tools: [] },
]
const k = (key: string, mods: Partial<{ ctrl: boolean; shift: boolean; alt: boolean }> = {}) =>
  keyAction({ key, ctrl: false, shift: false, alt: false, ...mods }, labels)

describe('editor hotkeys', () => {
  it('maps schema hotkeys to labels, before tool keys', () => {
    expect(k('1')).toEqual({ kind: 'label', value: 'crack' })
    expect(k('B')).toEqual({ kind: 'label', value: 'porosity' })
    expect(k('p')).toEqual({ kind: 'tool', tool: 'polygon' })
  })

  it('maps undo and redo', () => {
    expect(k('z', { ctrl: true })).toEqual({ kind: 'undo' })
    expect(k('Z', { ctrl: true, shift: true })).toEqual({ kind: 'redo' })
    expect(k('y', { ctrl: true })).toEqual({ kind: 'redo' })
    expect(k('1', { ctrl: true })).toBeNull()
  })

  it('nudges with the arrows, ten pixels with Shift', () => {
    expect(k('ArrowLeft')).toEqual({ kind: 'nudge', dx: -1, dy: 0 })
    expect(k('ArrowDown', { shift: true })).toEqual({ kind: 'nudge', dx: 0, dy: 10 })
  })

  it('passes Enter, Escape and Backspace to the tool, Delete deletes', () => {
    expect(k('Enter')).toEqual({ kind: 'tool-key', key: 'Enter' })
    expect(k('Backspace')).toEqual({ kind: 'tool-key', key: 'Backspace' })
    expect(k('Delete')).toEqual({ kind: 'delete' })
    expect(k('q')).toBeNull()
  })

  it('hides and locks with Shift+H / Shift+L, walks shapes with Tab', () => {
    expect(k('H', { shift: true })).toEqual({ kind: 'hide' })
    expect(k('L', { shift: true })).toEqual({ kind: 'lock' })
    expect(k('h')).toEqual({ kind: 'tool', tool: 'pan' })
    expect(k('Tab')).toEqual({ kind: 'shape', step: 1 })
    expect(k('Tab', { shift: true })).toEqual({ kind: 'shape', step: -1 })
  })
})
