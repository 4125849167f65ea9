// Every keyboard shortcut of the editor, for the `?` overlay (the keys themselves are handled in
// editor/hotkeys.ts for the canvas and in EditorPage for page-level actions; tests keep the two in step).
import type catalogue from '../../i18n/locales/en/annotate.json'

export type ShortcutGroup = 'task' | 'tools' | 'shapes' | 'view'
type ShortcutAction = Exclude<keyof (typeof catalogue)['shortcuts'], 'title' | 'close' | 'open' | 'group' | 'label'>

export interface Shortcut {
  /** alternatives, each a key combination; `annotate:keys.<name>` translates words such as Space */
  keys: string[]
  /** `annotate:shortcuts.<action>` */
  action: ShortcutAction
  group: ShortcutGroup
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['Ctrl+Enter'], action: 'submit', group: 'task' },
  { keys: ['Ctrl+S'], action: 'save', group: 'task' },
  { keys: ['PageDown'], action: 'skip', group: 'task' },
  { keys: ['PageUp'], action: 'previous', group: 'task' },
  { keys: ['?'], action: 'help', group: 'task' },
  { keys: ['V'], action: 'select', group: 'tools' },
  { keys: ['H'], action: 'pan', group: 'tools' },
  { keys: ['B', 'R'], action: 'bbox', group: 'tools' },
  { keys: ['P'], action: 'polygon', group: 'tools' },
  { keys: ['K'], action: 'keypoints', group: 'tools' },
  { keys: ['S'], action: 'segment', group: 'tools' },
  { keys: ['Enter'], action: 'finish', group: 'tools' },
  { keys: ['Esc'], action: 'cancel', group: 'tools' },
  { keys: ['Tab'], action: 'nextShape', group: 'shapes' },
  { keys: ['Shift+Tab'], action: 'previousShape', group: 'shapes' },
  { keys: ['Shift+H'], action: 'hide', group: 'shapes' },
  { keys: ['Shift+L'], action: 'lock', group: 'shapes' },
  { keys: ['Delete', 'Backspace'], action: 'delete', group: 'shapes' },
  { keys: ['←↑→↓'], action: 'nudge', group: 'shapes' },
  { keys: ['Shift+←↑→↓'], action: 'nudge10', group: 'shapes' },
  { keys: ['Ctrl+Z'], action: 'undo', group: 'shapes' },
  { keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], action: 'redo', group: 'shapes' },
  { keys: ['F'], action: 'fit', group: 'view' },
  { keys: ['+', '-'], action: 'zoom', group: 'view' },
  { keys: ['wheel'], action: 'zoomWheel', group: 'view' },
  { keys: ['Space+drag'], action: 'panDrag', group: 'view' },
]

export const GROUPS: readonly ShortcutGroup[] = ['task', 'tools', 'shapes', 'view']
