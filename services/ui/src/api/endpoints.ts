// Every API call the UI makes, in one place: /api/v1 routes of services/api.
import type { Shape } from '../editor/types'
import { ApiError, http } from './http'
import type { Annotation, Page, Prediction, Project, ReviewItem, Statistics, Task, TaskFilters, User } from './types'

/** Lists come back as a page ({items, next_cursor}) or, for small ones, as a bare array. */
function page<T>(data: unknown): Page<T> {
  if (Array.isArray(data)) return { items: data as T[], next_cursor: null }
  const d = (data ?? {}) as { items?: T[]; next_cursor?: string | null; next?: string | null }
  return { items: d.items ?? [], next_cursor: d.next_cursor ?? d.next ?? null }
}

export const auth = {
  me: () => http.get<User>('auth/me'),
  login: (email: string, password: string) => http.post<User>('auth/login', { email, password }),
  logout: () => http.post<void>('auth/logout'),
  setLocale: (locale: string) => http.patch<User>('auth/me', { locale }),
}

export const projects = {
  list: async () => page<Project>(await http.get('projects')).items,
  get: (id: number) => http.get<Project>(`projects/${id}`),
  statistics: (id: number) => http.get<Statistics>(`projects/${id}/statistics`),
}

export const tasks = {
  list: async (projectId: number, filters: TaskFilters, cursor: string | null, limit = 50) =>
    page<Task>(await http.get(`projects/${projectId}/tasks`, { ...filters, cursor, limit })),
  get: (projectId: number, taskId: number) => http.get<Task>(`projects/${projectId}/tasks/${taskId}`),
  /** The next task for me, or null when there is nothing left. */
  next: async (projectId: number): Promise<Task | null> => {
    try {
      return (await http.post<Task | null>(`projects/${projectId}/tasks/next`)) ?? null
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'no_task_available' || e.status === 404)) return null
      throw e
    }
  },
}

export const annotations = {
  /** My annotation (or draft) of a task; null when I have none yet. */
  mine: async (projectId: number, taskId: number): Promise<Annotation | null> => {
    try {
      return await http.get<Annotation>(`projects/${projectId}/tasks/${taskId}/annotation`)
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null
      throw e
    }
  },
  /** Save with the version it was based on (0 for a first save); a stale one gets 409. */
  save: (projectId: number, taskId: number, result: Shape[], baseVersion: number, leadTimeMs: number) =>
    http.put<Annotation>(`projects/${projectId}/tasks/${taskId}/annotation`, {
      result,
      base_version: baseVersion,
      lead_time_ms: Math.round(leadTimeMs),
    }),
  submit: (projectId: number, taskId: number, result: Shape[], baseVersion: number, leadTimeMs: number) =>
    http.post<Annotation>(`projects/${projectId}/tasks/${taskId}/submit`, {
      result,
      base_version: baseVersion,
      lead_time_ms: Math.round(leadTimeMs),
    }),
  get: (projectId: number, annotationId: number) => http.get<Annotation>(`projects/${projectId}/annotations/${annotationId}`),
}

export const predictions = {
  forTask: async (projectId: number, taskId: number) => page<Prediction>(await http.get(`projects/${projectId}/tasks/${taskId}/predictions`)).items,
}

export const reviews = {
  queue: async (projectId: number, cursor: string | null) => page<ReviewItem>(await http.get(`projects/${projectId}/review-queue`, { cursor })),
  decide: (projectId: number, annotationId: number, decision: 'accepted' | 'rejected', comment: string, baseVersion: number) =>
    http.post<unknown>(`projects/${projectId}/annotations/${annotationId}/review`, { decision, comment, annotation_version: baseVersion }),
}
