// Unsaved-changes guard for in-app navigation: hash links, navigate() and the browser's back button ask it first.
type Guard = () => boolean

let guard: Guard | null = null
let lastHash = typeof window !== 'undefined' ? window.location.hash : ''
let restoring = false

/** While set, leaving the current route needs `guard()` to return true (e.g. the user confirmed). */
export function setLeaveGuard(next: Guard | null): void {
  guard = next
}

/** True when the current page may be left now. */
export function mayLeave(): boolean {
  return guard === null || guard()
}

if (typeof window !== 'undefined') {
  // Links: refused before the hash changes, so the page never flickers to the next route.
  document.addEventListener(
    'click',
    (e) => {
      const link = (e.target as Element | null)?.closest?.('a[href^="#"]')
      if (!link || e.defaultPrevented || link.getAttribute('href') === window.location.hash) return
      if (!mayLeave()) {
        e.preventDefault()
        e.stopImmediatePropagation()
      } else guard = null
    },
    true,
  )
  // Back/forward and typed addresses: the hash has already changed, so a refusal puts it back. Registered at
  // import time, before React's own listener, so the route never renders.
  window.addEventListener('hashchange', () => {
    if (restoring) {
      restoring = false
      return
    }
    if (guard && !guard()) {
      restoring = true
      window.location.replace(lastHash || '#/')
      return
    }
    lastHash = window.location.hash
  })
}
