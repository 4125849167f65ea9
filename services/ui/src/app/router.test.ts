import { describe, expect, it } from 'vitest'
import { parseRoute, routeHref, type Route } from './router'

describe('hash routes', () => {
  it('round-trips every route', () => {
    const routes: Route[] = [
      { name: 'login' },
      { name: 'projects' },
      { name: 'project', projectId: 3 },
      { name: 'project', projectId: 3, tab: 'labels' },
      { name: 'project', projectId: 3, tab: 'tasks' },
      { name: 'newProject' },
      { name: 'profile' },
      { name: 'next', projectId: 3 },
      { name: 'task', projectId: 3, taskId: 42 },
      { name: 'review', projectId: 3 },
      { name: 'myWork', projectId: 3 },
      { name: 'reviewTask', projectId: 3, taskId: 42, annotationId: 7 },
    ]
    for (const r of routes) expect(parseRoute(routeHref(r))).toEqual(r)
  })

  it('treats junk as not found', () => {
    expect(parseRoute('#/projects/abc')).toEqual({ name: 'notFound' })
    expect(parseRoute('#/nope')).toEqual({ name: 'notFound' })
    expect(parseRoute('#/projects/3/nope')).toEqual({ name: 'notFound' })
    expect(parseRoute('#/projects/3/overview')).toEqual({ name: 'project', projectId: 3 })
    expect(parseRoute('')).toEqual({ name: 'projects' })
  })
})
