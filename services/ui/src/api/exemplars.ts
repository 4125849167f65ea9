// Golden samples (exemplar sets per label) and suggestion statistics: services/api exemplars + stats.
import { apiUrl, http } from './http'

export interface Exemplar {
  id: number
  task_id: number
  annotation_id: number | null
  shape_id: string
  shape: Record<string, unknown>
  added_in: number
  removed_in: number | null
  has_thumbnail: boolean
  created_at: string
}

export interface ExemplarSet {
  label: string
  version: number
  updated_at: string | null
  exemplars: Exemplar[]
}

export interface SuggestionQuality {
  model_version: string
  label: string
  tasks: number
  suggestions: number
  annotations: number
  matched: number
  from_suggestions: number
  precision: number | null
  recall: number | null
  accepted_share: number | null
}

export const exemplars = {
  sets: (projectId: number) => http.get<ExemplarSet[]>(`projects/${projectId}/exemplar-sets`),
  /** Mark a shape of a saved annotation as one of its label's exemplars (a new set version). */
  mark: (projectId: number, label: string, body: { task_id: number; annotation_id: number; shape_id: string }) =>
    http.post<ExemplarSet>(`projects/${projectId}/exemplar-sets/${encodeURIComponent(label)}/exemplars`, body),
  remove: (projectId: number, exemplarId: number) => http.delete<ExemplarSet>(`projects/${projectId}/exemplars/${exemplarId}`),
  thumbnailUrl: (projectId: number, exemplarId: number) => apiUrl(`projects/${projectId}/exemplars/${exemplarId}/thumbnail`),
  quality: (projectId: number) => http.get<{ labels: SuggestionQuality[] }>(`projects/${projectId}/stats/suggestions`),
}
