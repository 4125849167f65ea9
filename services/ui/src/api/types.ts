// What the API returns, as the UI uses it (field names follow services/api).
import type { Shape, ShapeType } from '../editor/types'

export interface Membership {
  project_id: number
  project_name: string
  role: Role
}

export interface User {
  id: number
  email: string
  display_name: string
  locale: string
  is_admin: boolean
  memberships?: Membership[]
}

export interface Label {
  value: string
  names: Record<string, string>
  aliases?: string[]
  color: string
  hotkey?: string | null
  tools: ShapeType[]
  skeleton?: { name: string; points: string[]; edges?: [number, number][] } | null
}

export type Role = 'admin' | 'manager' | 'reviewer' | 'annotator'

export type ProjectSummary = Omit<Project, 'labels'>

export interface Project {
  id: number
  name: string
  description: string
  /** Markdown (a safe subset is rendered) */
  instructions: string
  overlap: number
  /** exemplar pre-label of every import's new tasks (golden samples) */
  auto_prelabel?: boolean
  /** how long "next task" holds a task for its annotator; null: the server's default */
  task_lease_seconds?: number | null
  /** the language annotators are shown first (zh-CN, en) */
  default_locale?: string
  archived_at?: string | null
  /** tasks per state (GET /projects) */
  task_counts?: Partial<Record<TaskState, number>>
  label_schema_version: number
  /** from GET /label-schema (empty when the project has none yet) */
  labels: Label[]
}

export type TaskState = 'new' | 'in_progress' | 'submitted' | 'accepted' | 'rejected'
export const TASK_STATES: readonly TaskState[] = ['new', 'in_progress', 'submitted', 'accepted', 'rejected']

export interface Task {
  id: number
  project_id: number
  batch_id: number | null
  state: TaskState
  assignee_id: number | null
  /** storage key or URL */
  image: string
  /** browser URL for the image, when the API provides one */
  image_url?: string | null
  filename: string
  width: number | null
  height: number | null
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
  status: AnnotationStatus
  version: number
  result: Shape[]
  updated_at?: string
  updated_by?: number | null
  /** what the review state machine allows from this status (by someone: see services/api/README.md) */
  next_actions?: ReviewAction[]
}

export type AnnotationStatus = 'submitted' | 'accepted' | 'rejected' | 'rework'
export type ReviewAction = 'submit' | 'save' | 'accept' | 'reject' | 'rework' | 'resubmit' | 'reopen'

/** One version in an annotation's history: every save and every review transition. */
export interface AnnotationVersion {
  version: number
  status: AnnotationStatus
  result: Shape[]
  author_id: number | null
  reason: string
  created_at: string
}

export type WorkGroup = 'rejected' | 'in_progress' | 'submitted' | 'accepted'

export interface WorkItem {
  task_id: number
  filename: string
  status: AnnotationStatus | 'draft' | 'leased'
  annotation_id: number | null
  version: number | null
  updated_at: string | null
  comment: string
  shape_comments: ShapeComment[]
  reviewer_id: number | null
}

export interface MyWork {
  counts: Record<WorkGroup, number>
  groups: Record<WorkGroup, WorkItem[]>
}

/** Autosaved work in progress, kept apart from submissions (version 0: none yet). */
export interface Draft {
  task_id: number
  version: number
  result: Shape[]
  updated_at?: string
}

export interface Review {
  id: number
  annotation_id: number
  annotation_version: number
  decision: 'accept' | 'reject' | 'reopen'
  reviewer_id?: number
  comment: string
  shape_comments?: ShapeComment[]
  created_at: string
}

export interface Prediction {
  id: number
  task_id: number
  model_version: string
  result: Shape[]
  score: number | null
  job_id?: number | null
  /** exemplar mode: the set version per label that produced these suggestions */
  exemplar_sets?: Record<string, number> | null
}

export interface Statistics {
  by_state: Partial<Record<TaskState, number>>
  total: number
  /** only state counts were available (GET /tasks/counts) */
  countsOnly?: boolean
  annotators: { user_id: number; display_name?: string; email?: string; submitted: number; accepted: number; rejected: number; accepted_rate?: number | null; median_lead_time_ms?: number | null }[]
  labels: { label: string; shapes: number }[]
  daily: { day: string; submitted: number; accepted: number; rejected: number }[]
}


export interface TaskFilters {
  state?: TaskState | ''
  /** a user id, or `none` for unassigned */
  assignee?: string
  label?: string
  batch_id?: string
  has_prediction?: '' | 'true' | 'false'
}

export interface Batch {
  id: number
  name: string
  assignee_id: number | null
}

export interface InvitePreview {
  role: Role
  project_id: number | null
  project_name: string | null
  /** the project's default language: the sign-up form starts in it unless the reader chose one */
  project_locale?: string | null
  email: string | null
  expires_at: string
}

export interface Member {
  user_id: number
  email: string
  display_name: string
  role: Role
  /** latest annotation or draft change in this project */
  last_active_at?: string | null
}

export interface Invite {
  id: number
  project_id: number | null
  role: Role
  email: string | null
  expires_at: string
  max_uses: number
  uses: number
  revoked: boolean
}

export interface ApiToken {
  id: number
  name: string
  prefix: string
  created_at: string
  revoked: boolean
  expires_at?: string | null
  last_used_at?: string | null
}

/** What a manager sets on a project (POST /projects, PATCH /projects/{id}). */
export interface ProjectInput {
  name: string
  description: string
  instructions: string
  overlap: number
  task_lease_seconds: number | null
  default_locale: string
}

/** A label as the schema builder sends it: `value` may be left out for the API to generate. */
export type LabelInput = Omit<Label, 'value'> & { value?: string; aliases?: string[] }

export interface SchemaVersion {
  version: number
  created_at: string
  labels: number
  author: string | null
}

/** A reviewer's note on one shape of the annotation. */
export interface ShapeComment {
  shape_id: string
  comment: string
}
