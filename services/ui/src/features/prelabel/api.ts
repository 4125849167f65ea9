// Pre-label jobs: queue status, start on a selection, progress, failed items with reason codes.
import { http } from '../../api/http'
import type { ExemplarReport } from '../suggestions/ExemplarJobReport'
import type { Selection } from '../tasks/api'

export const MODELS = ['mobile-sam', 'sam-vit-b', 'sam-vit-l', 'sam-vit-h'] as const
export const MODES = ['auto', 'box', 'points'] as const

export interface PrelabelJob {
  id: number
  model: string
  mode: string
  state: string
  total: number
  done: number
  failed: number
  created_at: string
  finished_at: string | null
  /** exemplar jobs: per label, objects found or why the label was skipped */
  report?: ExemplarReport | null
}

export interface PrelabelItem {
  task_id: number
  filename: string
  state: string
  reason: string
  detail: string
  attempts: number
}

const base = (projectId: number) => `projects/${projectId}`

export const prelabelApi = {
  status: (projectId: number) => http.get<{ queue_configured: boolean; interactive: boolean }>(`${base(projectId)}/prelabel/status`),
  list: (projectId: number) => http.get<PrelabelJob[]>(`${base(projectId)}/prelabel-jobs`),
  start: (projectId: number, body: { selection: Selection; model: string; mode: string; label_mapping: Record<string, string> | null }) =>
    http.post<PrelabelJob>(`${base(projectId)}/prelabel-jobs/from-selection`, body),
  failed: (projectId: number, jobId: number) => http.get<{ items: PrelabelItem[] }>(`${base(projectId)}/prelabel-jobs/${jobId}/items`, { state: 'failed', limit: 500 }),
  republish: (projectId: number, jobId: number) => http.post<PrelabelJob>(`${base(projectId)}/prelabel-jobs/${jobId}/publish`),
}
