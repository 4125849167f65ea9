// Hash routes (#/projects/3): work behind any static server or ingress path prefix, no server fallback needed.
import { useSyncExternalStore } from 'react'

export type Route =
  | { name: 'login' }
  | { name: 'projects' }
  | { name: 'project'; projectId: number }
  | { name: 'next'; projectId: number }
  | { name: 'task'; projectId: number; taskId: number }
  | { name: 'review'; projectId: number }
  | { name: 'reviewTask'; projectId: number; taskId: number; annotationId: number }
  | { name: 'notFound' }

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0]
  const parts = path.split('/').filter(Boolean)
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : NaN)
  if (parts.length === 0) return { name: 'projects' }
  if (parts[0] === 'login' && parts.length === 1) return { name: 'login' }
  if (parts[0] !== 'projects') return { name: 'notFound' }
  if (parts.length === 1) return { name: 'projects' }
  const projectId = num(parts[1])
  if (Number.isNaN(projectId)) return { name: 'notFound' }
  if (parts.length === 2) return { name: 'project', projectId }
  if (parts[2] === 'next' && parts.length === 3) return { name: 'next', projectId }
  if (parts[2] === 'review' && parts.length === 3) return { name: 'review', projectId }
  if (parts[2] === 'tasks' && parts.length === 4 && !Number.isNaN(num(parts[3]))) return { name: 'task', projectId, taskId: num(parts[3]) }
  if (parts[2] === 'review' && parts.length === 5 && !Number.isNaN(num(parts[3])) && !Number.isNaN(num(parts[4])))
    return { name: 'reviewTask', projectId, taskId: num(parts[3]), annotationId: num(parts[4]) }
  return { name: 'notFound' }
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login'
    case 'projects':
      return '#/'
    case 'project':
      return `#/projects/${route.projectId}`
    case 'next':
      return `#/projects/${route.projectId}/next`
    case 'task':
      return `#/projects/${route.projectId}/tasks/${route.taskId}`
    case 'review':
      return `#/projects/${route.projectId}/review`
    case 'reviewTask':
      return `#/projects/${route.projectId}/review/${route.taskId}/${route.annotationId}`
    case 'notFound':
      return '#/'
  }
}

export function navigate(route: Route, replace = false): void {
  const href = routeHref(route)
  if (replace) window.location.replace(href)
  else window.location.hash = href
}

function subscribe(fn: () => void): () => void {
  window.addEventListener('hashchange', fn)
  return () => window.removeEventListener('hashchange', fn)
}

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash)
}

export function useRoute(): Route {
  return parseRoute(useHash())
}
