// Tasks grid calls: the filtered list, "all N matching" counts and bulk actions on a selection.
import { useQuery } from '@tanstack/react-query'
import { tasks as tasksApi, projects as projectsApi } from '../../api/endpoints'
import { http } from '../../api/http'
import type { Batch, Member, TaskFilters } from '../../api/types'

/** Explicit task ids, or every task matching the grid's filters. */
export type Selection = { task_ids: number[] } | { filter: BulkFilter }

export interface BulkFilter {
  state?: string[]
  assignee?: string
  label?: string
  batch_id?: number
  has_prediction?: boolean
}

export function toBulkFilter(f: TaskFilters): BulkFilter {
  return {
    state: f.state ? [f.state] : undefined,
    assignee: f.assignee || undefined,
    label: f.label || undefined,
    batch_id: f.batch_id ? Number(f.batch_id) : undefined,
    has_prediction: f.has_prediction ? f.has_prediction === 'true' : undefined,
  }
}

const bulk = (projectId: number, action: string) => `projects/${projectId}/bulk/tasks/${action}`

export const bulkApi = {
  count: (projectId: number, selection: Selection) => http.post<{ count: number }>(bulk(projectId, 'count'), selection),
  assign: (projectId: number, selection: Selection, assigneeId: number | null) =>
    http.post<{ updated: number }>(bulk(projectId, 'assign'), { selection, assignee_id: assigneeId }),
  toBatch: (projectId: number, selection: Selection, batchId: number) =>
    http.post<{ updated: number }>(bulk(projectId, 'assign'), { selection, to: 'batch', batch_id: batchId }),
  release: (projectId: number, selection: Selection) => http.post<{ updated: number }>(bulk(projectId, 'release'), { selection }),
  remove: (projectId: number, selection: Selection) => http.post<{ updated: number }>(bulk(projectId, 'delete'), { selection }),
  newBatch: (projectId: number, selection: Selection, name: string, assigneeId: number | null) =>
    http.post<Batch>(bulk(projectId, 'batch'), { selection, name, assignee_id: assigneeId }),
  thumbnails: (projectId: number, taskIds: number[]) =>
    http.post<{ items: { task_id: number; url: string; thumbnail_url?: string }[] }>(`projects/${projectId}/image-urls`, { task_ids: taskIds, thumb: 256 }),
}

export const taskKeys = {
  batches: (projectId: number) => ['project', projectId, 'batches'] as const,
  members: (projectId: number) => ['project', projectId, 'members'] as const,
  list: (projectId: number) => ['project', projectId, 'tasks'] as const,
}

export function useBatches(projectId: number) {
  return useQuery({ queryKey: taskKeys.batches(projectId), queryFn: () => tasksApi.batches(projectId) })
}

export function useMembers(projectId: number) {
  return useQuery<Member[]>({ queryKey: taskKeys.members(projectId), queryFn: () => projectsApi.members(projectId) })
}
