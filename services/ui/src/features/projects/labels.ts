// Label display names per locale, and the editor's view of a project's labels.
import type { Label } from '../../api/types'
import type { EditorLabel } from '../../editor/types'

const FALLBACK_COLORS = ['#e4572e', '#29335c', '#f3a712', '#669bbc', '#a8c686', '#8e44ad', '#16a085', '#d35400']

export function labelName(label: Label, locale: string): string {
  const names = label.names ?? {}
  return names[locale] ?? names[locale.split('-')[0]] ?? names.en ?? Object.values(names)[0] ?? label.value
}

export function toEditorLabels(labels: Label[], locale: string): EditorLabel[] {
  return labels.map((l, i) => ({
    value: l.value,
    name: labelName(l, locale),
    color: l.color || FALLBACK_COLORS[i % FALLBACK_COLORS.length],
    hotkey: l.hotkey ?? undefined,
    tools: l.tools ?? [],
    skeleton: l.skeleton ?? undefined,
  }))
}
