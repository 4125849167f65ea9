// Every API call the UI makes, in one place: /api/v1 routes of services/api.
import type { Shape } from '../editor/types'
import { ApiError, apiUrl, http } from './http'
import type { Annotation, AnnotationVersion, ApiToken, Batch, Draft, Invite, InvitePreview, Label, LabelInput, Member, MyWork, ProjectInput, SchemaVersion, Page, Prediction, Project, ProjectSummary, Review, Role, ShapeComment, Statistics, Task, TaskFilters, TaskState, User } from './types'

export const auth = {
  me: () => http.get<User>('auth/me'),
  login: (email: string, password: string) => http.post<{ user: User; csrf_token: string }>('auth/login', { email, password }),
  logout: () => http.post<void>('auth/logout'),
  // new_password: null spelled out: the API's MeUpdate currently requires the field (nullable)
  setLocale: (locale: string) => http.patch<User>('auth/me', { locale, new_password: null }),
  update: (body: { display_name?: string; locale?: string; current_password?: string; new_password?: string }) => http.patch<User>('auth/me', body),
  tokens: () => http.get<ApiToken[]>('auth/tokens'),
  createToken: (body: { name: string; expires_in_days: number }) => http.post<ApiToken & { token: string }>('auth/tokens', body),
  revokeToken: (id: number) => http.delete<void>(`auth/tokens/${id}`),
}

export const labelSchema = {
  versions: (projectId: number) => http.get<SchemaVersion[]>(`projects/${projectId}/label-schema/versions`),
  version: (projectId: number, version: number) => http.get<{ version: number; labels: Label[] }>(`projects/${projectId}/label-schema/versions/${version}`),
  save: (projectId: number, labels: LabelInput[]) => http.put<{ version: number; labels: Label[] }>(`projects/${projectId}/label-schema`, { labels }),
  /** The labels as a save would store them (generated values filled in); saves nothing. */
  preview: (projectId: number, labels: LabelInput[]) => http.post<{ labels: Label[] }>(`projects/${projectId}/label-schema/preview`, { labels }),
  previewLabelStudio: (projectId: number, config: string, locale: string) =>
    http.post<{ labels: Label[] }>(`projects/${projectId}/label-schema/import-label-studio/preview`, { config, locale }),
  importLabelStudio: (projectId: number, config: string, locale: string) =>
    http.post<{ version: number; labels: Label[] }>(`projects/${projectId}/label-schema/import-label-studio`, { config, locale }),
}


export const projects = {
  list: () => http.get<ProjectSummary[]>('projects'),
  /** The project with its current labels (none yet: an empty list). */
  get: async (id: number): Promise<Project> => {
    const [project, labels] = await Promise.all([
      http.get<ProjectSummary>(`projects/${id}`),
      http.get<{ labels: Label[] }>(`projects/${id}/label-schema`).then(
        (s) => s.labels,
        (e: unknown) => {
          if (e instanceof ApiError && e.code === 'schema_not_found') return [] as Label[]
          throw e
        },
      ),
    ])
    return { ...project, labels }
  },
  create: (body: ProjectInput) => http.post<ProjectSummary>('projects', body),
  update: (id: number, body: Partial<ProjectInput> & { archived?: boolean }) => http.patch<ProjectSummary>(`projects/${id}`, body),
  remove: (id: number) => http.delete<void>(`projects/${id}`),
  members: (id: number) => http.get<Member[]>(`projects/${id}/members`),
  changeRole: (id: number, userId: number, role: Role) => http.patch<void>(`projects/${id}/members/${userId}`, { role }),
  removeMember: (id: number, userId: number) => http.delete<void>(`projects/${id}/members/${userId}`),
  /** Progress, per annotator, per label and per day; falls back to task counts by state. */
  statistics: async (id: number): Promise<Statistics> => {
    try {
      const raw = await http.get<StatsOut>(`projects/${id}/stats`, { days: 14 })
      return {
        by_state: raw.tasks.by_state,
        total: raw.tasks.total,
        annotators: raw.annotators.map((a) => ({ ...a, submitted: a.done })),
        labels: raw.labels,
        daily: raw.throughput,
      }
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'not_found')) throw e
    }
    const counts = await http.get<{ counts: Partial<Record<TaskState, number>>; total: number }>(`projects/${id}/tasks/counts`)
    return { by_state: counts.counts, total: counts.total, annotators: [], labels: [], daily: [], countsOnly: true }
  },
}

interface StatsOut {
  tasks: { by_state: Partial<Record<TaskState, number>>; total: number }
  annotators: { user_id: number; display_name: string; done: number; accepted: number; rejected: number; accepted_rate: number | null; median_lead_time_ms: number | null }[]
  labels: { label: string; shapes: number }[]
  throughput: { day: string; submitted: number; accepted: number; rejected: number }[]
}

export const tasks = {
  list: (projectId: number, filters: TaskFilters, cursor: string | null, limit = 50) =>
    http.get<Page<Task>>(`projects/${projectId}/tasks`, { ...filters, cursor, limit }),
  get: (projectId: number, taskId: number) => http.get<Task>(`projects/${projectId}/tasks/${taskId}`),
  /** The next task for me (leased to me), or null when there is nothing left. */
  next: async (projectId: number, skip: number[] = []): Promise<Task | null> => {
    const query = skip.length ? `?${skip.map((id) => `skip=${id}`).join('&')}` : ''
    try {
      return (await http.post<{ task: Task }>(`projects/${projectId}/tasks/next${query}`)).task
    } catch (e) {
      if (e instanceof ApiError && e.code === 'no_task_available') return null
      throw e
    }
  },
  batches: (projectId: number) => http.get<Batch[]>(`projects/${projectId}/batches`),
  release: (projectId: number, taskId: number) => http.post<void>(`projects/${projectId}/tasks/${taskId}/release`),
}

/** Where the browser loads a task's image from. */
export function taskImageUrl(task: Task): string {
  if (task.image_url) return task.image_url
  if (/^(https?:|data:|blob:|\/)/.test(task.image)) return task.image
  return apiUrl(`projects/${task.project_id}/tasks/${task.id}/image`)
}

export const annotations = {
  /** My annotation of a task, or null when I have not submitted one. */
  mine: async (projectId: number, taskId: number, userId: number): Promise<Annotation | null> => {
    const all = await http.get<Annotation[]>(`projects/${projectId}/tasks/${taskId}/annotations`)
    return all.find((a) => a.user_id === userId) ?? null
  },
  get: (projectId: number, annotationId: number) => http.get<Annotation>(`projects/${projectId}/annotations/${annotationId}`),
  /** First submission of a task. */
  create: (projectId: number, taskId: number, result: Shape[], leadTimeMs: number) =>
    http.post<Annotation>(`projects/${projectId}/tasks/${taskId}/annotations`, { result, lead_time_ms: Math.round(leadTimeMs) }),
  /** A new version, based on `version`; a stale one gets 409 version_conflict. */
  update: (projectId: number, annotationId: number, version: number, result: Shape[], leadTimeMs: number) =>
    http.put<Annotation>(`projects/${projectId}/annotations/${annotationId}`, { version, result, lead_time_ms: Math.round(leadTimeMs) }),
  reviews: (projectId: number, annotationId: number) => http.get<Review[]>(`projects/${projectId}/annotations/${annotationId}/reviews`),
  history: (projectId: number, annotationId: number) => http.get<AnnotationVersion[]>(`projects/${projectId}/annotations/${annotationId}/history`),
  /** Rejected -> rework: the annotator takes the work back (the editor does it on opening). */
  rework: (projectId: number, annotationId: number, version: number) =>
    http.post<Annotation>(`projects/${projectId}/annotations/${annotationId}/rework`, { version }),
  /** Accepted -> rework, by a reviewer or manager who says why. */
  reopen: (projectId: number, annotationId: number, version: number, reason: string) =>
    http.post<Review>(`projects/${projectId}/annotations/${annotationId}/reopen`, { version, reason }),
}

export const work = {
  mine: (projectId: number) => http.get<MyWork>(`projects/${projectId}/my-work`),
  editorFeatures: (projectId: number) => http.get<{ smart_select: boolean }>(`projects/${projectId}/editor-features`),
}

export const drafts = {
  get: async (projectId: number, taskId: number): Promise<Draft | null> => {
    try {
      return await http.get<Draft>(`projects/${projectId}/tasks/${taskId}/draft`)
    } catch (e) {
      if (e instanceof ApiError && e.code === 'draft_not_found') return null
      throw e
    }
  },
  /** Save work in progress based on draft `version` (0: none yet); a stale one gets 409. */
  save: (projectId: number, taskId: number, version: number, result: Shape[], leadTimeMs: number) =>
    http.put<Draft>(`projects/${projectId}/tasks/${taskId}/draft`, { version, result, lead_time_ms: Math.round(leadTimeMs) }),
}

export const predictions = {
  forTask: (projectId: number, taskId: number) => http.get<Prediction[]>(`projects/${projectId}/tasks/${taskId}/predictions`),
  /** Click-to-segment: a positive point on the task's image; shapes come back with `label`. */
  segment: (projectId: number, taskId: number, point: { x: number; y: number }, label: string) =>
    http.post<{ model_version: string; shapes: Shape[]; score: number | null }>(`projects/${projectId}/tasks/${taskId}/segment`, {
      points: [[point.x, point.y, 1]],
      label,
    }),
}

export const reviews = {
  queue: (projectId: number, cursor: string | null) => http.get<Page<Annotation>>(`projects/${projectId}/reviews/queue`, { cursor }),
  decide: (projectId: number, annotationId: number, decision: 'accept' | 'reject', comment: string, version: number, shapeComments: ShapeComment[] = []) =>
    http.post<Review>(`projects/${projectId}/annotations/${annotationId}/review`, { decision, comment, version, shape_comments: shapeComments }),
}

export const invites = {
  list: (projectId: number) => http.get<Invite[]>(`projects/${projectId}/invites`),
  revoke: (projectId: number, inviteId: number) => http.delete<void>(`projects/${projectId}/invites/${inviteId}`),
  create: (projectId: number, body: { role: Role; max_uses: number; expires_in_hours: number }) =>
    http.post<{ url: string; token: string }>(`projects/${projectId}/invites`, body),
  preview: (token: string) => http.get<InvitePreview>(`invites/${encodeURIComponent(token)}`),
  accept: (token: string, body: { email: string; password: string; display_name: string; locale: string }) =>
    http.post<{ user: User }>(`invites/${encodeURIComponent(token)}/accept`, body),
}
