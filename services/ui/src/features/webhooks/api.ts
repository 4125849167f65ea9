// Webhooks: subscriptions, a test ping, deliveries and their attempts.
import { http } from '../../api/http'

export const EVENTS = ['task.submitted', 'task.accepted', 'task.rejected', 'export.finished', 'prelabel.finished'] as const

export interface Webhook {
  id: number
  url: string
  events: string[]
  active: boolean
  created_at: string
}

export interface Delivery {
  id: number
  event: string
  status: string
  attempts: number
  next_attempt_at: string
  last_status_code: number | null
  last_error: string
  created_at: string
  delivered_at: string | null
}

export interface Attempt {
  attempted_at: string
  status_code: number | null
  error: string
  duration_ms: number
}

const base = (projectId: number) => `projects/${projectId}/webhooks`

export const webhooksApi = {
  list: (projectId: number) => http.get<Webhook[]>(base(projectId)),
  create: (projectId: number, body: { url: string; events: string[]; active: boolean; secret?: string }) => http.post<Webhook & { secret: string }>(base(projectId), body),
  update: (projectId: number, id: number, body: Partial<{ url: string; events: string[]; active: boolean }>) => http.patch<Webhook>(`${base(projectId)}/${id}`, body),
  remove: (projectId: number, id: number) => http.delete<void>(`${base(projectId)}/${id}`),
  ping: (projectId: number, id: number) => http.post<{ delivery_id: number }>(`${base(projectId)}/${id}/ping`),
  deliveries: (projectId: number, id: number) => http.get<Delivery[]>(`${base(projectId)}/${id}/deliveries`, { limit: 50 }),
  attempts: (projectId: number, id: number, deliveryId: number) => http.get<Attempt[]>(`${base(projectId)}/${id}/deliveries/${deliveryId}/attempts`),
}
