// The suggestions of one task in the editor: per-label thresholds, what was decided, the current one, and
// the actions (accept one / all above the thresholds / reject / edit then accept), keyboard included.
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Prediction } from '../../api/types'
import type { AnnotationCanvas } from '../../editor/AnnotationCanvas'
import type { EditorLabel, Shape } from '../../editor/types'
import { acceptedKeys, asAccepted, pending, perLabel, suggestionKey, suggestionsOf, type Suggestion } from './suggestions'

function stored<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key)
    return raw ? (JSON.parse(raw) as T) : fallback
  } catch {
    return fallback
  }
}

export function useSuggestions(opts: {
  projectId: number
  taskId: number
  predictions: readonly Prediction[]
  shapes: readonly Shape[]
  canvas: AnnotationCanvas | null
  labels: readonly EditorLabel[]
  enabled: boolean
}) {
  const { projectId, taskId, predictions, shapes, canvas, labels, enabled } = opts
  const thresholdKey = `labelhive.suggestions.thresholds.${projectId}`
  const rejectedKey = `labelhive.suggestions.rejected.${projectId}.${taskId}`
  const [thresholds, setThresholds] = useState<Record<string, number>>(() => stored(thresholdKey, {}))
  const [rejected, setRejected] = useState<string[]>(() => stored(rejectedKey, []))
  const [current, setCurrent] = useState(0)
  const all = useMemo(() => suggestionsOf(predictions), [predictions])
  const decided = useMemo(() => new Set([...acceptedKeys(shapes), ...rejected]), [shapes, rejected])
  const list = useMemo(() => pending(all, thresholds, decided), [all, thresholds, decided])
  const rows = useMemo(() => perLabel(all, thresholds, decided), [all, thresholds, decided])
  const focused: Suggestion | null = list.length ? list[Math.min(current, list.length - 1)] : null

  useEffect(() => localStorage.setItem(thresholdKey, JSON.stringify(thresholds)), [thresholdKey, thresholds])
  useEffect(() => localStorage.setItem(rejectedKey, JSON.stringify(rejected)), [rejectedKey, rejected])
  useEffect(() => {
    canvas?.setPredictions(
      enabled ? list.map((s) => s.shape) : [],
      focused ? focused.shape.id : null,
    )
  }, [canvas, list, focused, enabled])

  const setThreshold = useCallback((label: string, value: number) => setThresholds((prev) => ({ ...prev, [label]: value })), [])
  const accept = useCallback(
    (s: Suggestion | null = focused) => {
      if (s) canvas?.acceptShapes([asAccepted(s)])
    },
    [canvas, focused],
  )
  const acceptAll = useCallback(() => {
    canvas?.acceptShapes(list.map((s) => asAccepted(s)))
  }, [canvas, list])
  const reject = useCallback(
    (s: Suggestion | null = focused) => {
      if (s) setRejected((prev) => [...prev, s.key])
    },
    [focused],
  )
  /** Accept, then select it with the select tool so its outline can be fixed right away. */
  const edit = useCallback(
    (s: Suggestion | null = focused) => {
      if (!s || !canvas) return
      const [id] = canvas.acceptShapes([asAccepted(s, true)])
      canvas.setTool('select')
      canvas.select(id)
      canvas.focus()
    },
    [canvas, focused],
  )
  const step = useCallback((by: number) => setCurrent((c) => (list.length ? (Math.min(c, list.length - 1) + by + list.length) % list.length : 0)), [list.length])

  useEffect(() => {
    if (!enabled || list.length === 0) return
    const hotkeys = labels.map((l) => l.hotkey ?? '').filter(Boolean)
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null
      if (target?.closest('input, textarea, select, [contenteditable]')) return
      const action = suggestionKey({ key: e.key, ctrl: e.ctrlKey || e.metaKey, alt: e.altKey, shift: e.shiftKey }, hotkeys)
      if (!action) return
      e.preventDefault()
      if (action.kind === 'accept') accept()
      else if (action.kind === 'accept-all') acceptAll()
      else if (action.kind === 'reject') reject()
      else if (action.kind === 'edit') edit()
      else step(action.kind === 'next' ? 1 : -1)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enabled, list.length, labels, accept, acceptAll, reject, edit, step])

  return { all, list, rows, thresholds, setThreshold, focused, accept, acceptAll, reject, edit, step }
}

export type SuggestionsState = ReturnType<typeof useSuggestions>
