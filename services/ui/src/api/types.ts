// What the API returns, as the UI uses it (field names follow services/api).
import type { Shape, ShapeType } from '../editor/types'

export interface User {
  id: number
  email: string
  display_name: string
  locale: string
  is_admin: boolean
}

export interface Label {
  value: string
  names: Record<string, string>
  color: string
  hotkey?: string | null
  tools: ShapeType[]
  skeleton?: { name: string; points: string[] } | null
}

export type Role = 'admin' | 'manager' | 'reviewer' | 'annotator'

export interface Project {
  id: number
  name: string
  description: string
  instructions: string
  overlap: number
  label_schema_version: number
  labels: Label[]
  role?: Role | null
}

export type TaskState = 'new' | 'in_progress' | 'submitted' | 'accepted' | 'rejected'
export const TASK_STATES: readonly TaskState[] = ['new', 'in_progress', 'submitted', 'accepted', 'rejected']

export interface Task {
  id: number
  project_id: number
  batch_id: number | null
  state: TaskState
  assignee_id: number | null
  filename: string
  width: number | null
  height: number | null
  image_url: string
  has_prediction: boolean
  updated_at: string
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface Annotation {
  id: number
  task_id: number
  user_id: number
  status: string
  version: number
  result: Shape[]
  updated_at?: string
}

export interface Prediction {
  id: number
  task_id: number
  model_version: string
  result: Shape[]
  score: number | null
}

export interface Statistics {
  by_state: Partial<Record<TaskState, number>>
  total: number
  annotators: { user_id: number; display_name?: string; email?: string; submitted: number; accepted: number; rejected: number; accepted_rate?: number | null; median_lead_time_ms?: number | null }[]
  labels: { label: string; shapes: number }[]
  daily: { day: string; submitted: number; accepted: number; rejected: number }[]
}

export interface ReviewItem {
  annotation: Annotation
  task: Task
}

export interface TaskFilters {
  state?: TaskState | ''
  assignee?: string
  label?: string
  batch?: string
  has_prediction?: '' | 'true' | 'false'
}
