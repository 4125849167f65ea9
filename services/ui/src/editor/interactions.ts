// DOM input, one handler per interaction: pointer -> the active tool (or a temporary pan), wheel -> zoom,
// keyboard -> the hotkey map. Each handler attaches its listeners and returns how to detach them.
import type { KeyInput } from './hotkeys'
import type { PointerInput, Tool, ToolContext } from './tools'
import type { Point } from './types'

/** What the handlers may ask of the canvas. */
export interface InteractionHost {
  readonly element: HTMLCanvasElement
  pointer(e: MouseEvent): PointerInput
  tool(): Tool
  toolContext(): ToolContext
  pan(dx: number, dy: number): void
  zoomBy(factor: number, anchor: Point): void
  handleKey(input: KeyInput): boolean
  /** the tool's state may have changed: tell listeners and redraw */
  toolChanged(): void
  /** only the picture changed (a drag in progress) */
  redraw(): void
}

/** Keys held down, shared by handlers (Space turns any drag into a pan). */
export interface HeldKeys {
  space: boolean
}

type Detach = () => void

function on<K extends keyof HTMLElementEventMap>(
  el: HTMLElement,
  type: K,
  fn: (e: HTMLElementEventMap[K]) => void,
  opts?: AddEventListenerOptions,
): Detach {
  el.addEventListener(type, fn, opts)
  return () => el.removeEventListener(type, fn, opts)
}

/** Left button drives the tool; middle or right button, or Space held, pans with any tool. */
export function attachPointer(host: InteractionHost, held: HeldKeys): Detach {
  const el = host.element
  let panning: Point | null = null
  const detach = [
    on(el, 'pointerdown', (e) => {
      el.focus()
      el.setPointerCapture?.(e.pointerId)
      const input = host.pointer(e)
      if (e.button === 1 || e.button === 2 || held.space) {
        panning = input.screen
        return
      }
      if (e.button !== 0) return
      host.tool().down(host.toolContext(), input)
      host.toolChanged()
    }),
    on(el, 'pointermove', (e) => {
      const input = host.pointer(e)
      if (panning) {
        host.pan(input.screen.x - panning.x, input.screen.y - panning.y)
        panning = input.screen
        return
      }
      const tool = host.tool()
      tool.move(host.toolContext(), input)
      if (tool.state !== 'idle') host.redraw()
    }),
    on(el, 'pointerup', (e) => {
      el.releasePointerCapture?.(e.pointerId)
      if (panning) {
        panning = null
        return
      }
      host.tool().up(host.toolContext(), host.pointer(e))
      host.toolChanged()
    }),
    on(el, 'pointercancel', () => {
      panning = null
      host.tool().cancel()
      host.toolChanged()
    }),
    // a double click finishes a polygon or a set of keypoints
    on(el, 'dblclick', () => {
      const tool = host.tool()
      if (tool.name === 'polygon' || tool.name === 'keypoints') {
        tool.key(host.toolContext(), 'Enter')
        host.toolChanged()
      }
    }),
    on(el, 'contextmenu', (e) => e.preventDefault()),
  ]
  return () => detach.forEach((d) => d())
}

const WHEEL_ZOOM = 1.0015

/** Wheel zooms around the pointer; Shift+wheel pans. */
export function attachWheel(host: InteractionHost): Detach {
  return on(
    host.element,
    'wheel',
    (e) => {
      e.preventDefault()
      if (e.ctrlKey || !e.shiftKey) host.zoomBy(Math.pow(WHEEL_ZOOM, -e.deltaY), host.pointer(e).screen)
      else host.pan(-e.deltaX, -e.deltaY)
    },
    { passive: false },
  )
}

/** Keys pressed on the canvas go through the hotkey map; Space is remembered for panning. */
export function attachKeyboard(host: InteractionHost, held: HeldKeys): Detach {
  const el = host.element
  const detach = [
    on(el, 'keydown', (e) => {
      if (e.key === ' ') {
        held.space = true
        e.preventDefault()
        return
      }
      if (host.handleKey({ key: e.key, ctrl: e.ctrlKey || e.metaKey, shift: e.shiftKey, alt: e.altKey })) {
        e.preventDefault()
        e.stopPropagation()
      }
    }),
    on(el, 'keyup', (e) => {
      if (e.key === ' ') held.space = false
    }),
    on(el, 'blur', () => {
      held.space = false
    }),
  ]
  return () => detach.forEach((d) => d())
}
