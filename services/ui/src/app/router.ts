// Hash routes (#/projects/3): work behind any static server or ingress path prefix, no server fallback needed.
import { useSyncExternalStore } from 'react'
import { mayLeave, setLeaveGuard } from './leaveGuard'

/** The project workspace's tabs (`#/projects/3/labels`); which ones a role sees is in features/workspace/tabs.tsx. */
export const PROJECT_TABS = ['overview', 'labels', 'members', 'import', 'tasks', 'prelabel', 'export', 'webhooks', 'statistics', 'settings', 'golden'] as const
export type ProjectTab = (typeof PROJECT_TABS)[number]

export function isProjectTab(value: string | undefined): value is ProjectTab {
  return (PROJECT_TABS as readonly (string | undefined)[]).includes(value)
}

export type Route =
  | { name: 'login' }
  | { name: 'projects' }
  | { name: 'newProject' }
  | { name: 'profile' }
  | { name: 'project'; projectId: number; tab?: ProjectTab }
  | { name: 'next'; projectId: number }
  | { name: 'task'; projectId: number; taskId: number }
  | { name: 'myWork'; projectId: number }
  | { name: 'review'; projectId: number }
  | { name: 'reviewTask'; projectId: number; taskId: number; annotationId: number }
  | { name: 'notFound' }

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0]
  const parts = path.split('/').filter(Boolean)
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : NaN)
  if (parts.length === 0) return { name: 'projects' }
  if (parts[0] === 'login' && parts.length === 1) return { name: 'login' }
  if (parts[0] === 'profile' && parts.length === 1) return { name: 'profile' }
  if (parts[0] !== 'projects') return { name: 'notFound' }
  if (parts.length === 1) return { name: 'projects' }
  if (parts[1] === 'new' && parts.length === 2) return { name: 'newProject' }
  const projectId = num(parts[1])
  if (Number.isNaN(projectId)) return { name: 'notFound' }
  if (parts.length === 2) return { name: 'project', projectId }
  if (parts.length === 3 && isProjectTab(parts[2])) return parts[2] === 'overview' ? { name: 'project', projectId } : { name: 'project', projectId, tab: parts[2] }
  if (parts[2] === 'next' && parts.length === 3) return { name: 'next', projectId }
  if (parts[2] === 'review' && parts.length === 3) return { name: 'review', projectId }
  if (parts[2] === 'mine' && parts.length === 3) return { name: 'myWork', projectId }
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
    case 'newProject':
      return '#/projects/new'
    case 'profile':
      return '#/profile'
    case 'project':
      return route.tab && route.tab !== 'overview' ? `#/projects/${route.projectId}/${route.tab}` : `#/projects/${route.projectId}`
    case 'next':
      return `#/projects/${route.projectId}/next`
    case 'task':
      return `#/projects/${route.projectId}/tasks/${route.taskId}`
    case 'review':
      return `#/projects/${route.projectId}/review`
    case 'myWork':
      return `#/projects/${route.projectId}/mine`
    case 'reviewTask':
      return `#/projects/${route.projectId}/review/${route.taskId}/${route.annotationId}`
    case 'notFound':
      return '#/'
  }
}

/** Go to a route; an unsaved-changes guard may refuse (returns false). */
export function navigate(route: Route, replace = false): boolean {
  if (!mayLeave()) return false
  setLeaveGuard(null)
  const href = routeHref(route)
  if (replace) window.location.replace(href)
  else window.location.hash = href
  return true
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
