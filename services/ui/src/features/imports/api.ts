// /api/v1/projects/{id}/imports: per-file uploads, S3 prefix and URL imports, jobs and their per-file report.
import { http } from '../../api/http'

export type ImportFormat = 'images' | 'coco' | 'yolo' | 'voc' | 'labelstudio'
export const IMPORT_FORMATS: readonly ImportFormat[] = ['images', 'coco', 'yolo', 'voc', 'labelstudio']

export interface ImportOptions {
  format: ImportFormat
  annotations_as: 'predictions' | 'annotations'
  batch_id?: number | null
  model_version?: string | null
}

export interface ImportJob {
  id: number
  kind: 'upload' | 's3' | 'urls'
  format: ImportFormat
  state: string
  total: number
  done: number
  imported: number
  duplicates: number
  refused: number
  shapes: number
  error: string
  report: { unknown_labels?: Record<string, number>; warnings?: string[] }
  created_at: string
  finished_at: string | null
}

export interface DeclaredFile {
  number: number
  name: string
  size: number
  uploaded: boolean
}

export interface UploadJob extends ImportJob {
  max_file_bytes: number
  files: DeclaredFile[]
}

export interface ImportItem {
  id: number
  name: string
  state: 'imported' | 'duplicate' | 'refused'
  reason: string
  detail: string
  task_id: number | null
}

const base = (projectId: number) => `projects/${projectId}/imports`

export const importsApi = {
  list: (projectId: number) => http.get<ImportJob[]>(base(projectId), { limit: 50 }),
  declare: (projectId: number, files: { name: string; size: number }[], options: ImportOptions) =>
    http.post<UploadJob>(`${base(projectId)}/uploads`, { ...options, files }),
  upload: (projectId: number, jobId: number) => http.get<UploadJob>(`${base(projectId)}/${jobId}/upload`),
  fileUrl: (projectId: number, jobId: number, number: number) => `${base(projectId)}/${jobId}/files/${number}`,
  start: (projectId: number, jobId: number) => http.post<UploadJob>(`${base(projectId)}/${jobId}/start`),
  abandon: (projectId: number, jobId: number) => http.delete<void>(`${base(projectId)}/${jobId}/upload`),
  s3Buckets: (projectId: number) => http.get<{ sources: { bucket: string; prefix: string }[] }>(`${base(projectId)}/s3/buckets`),
  s3: (projectId: number, body: ImportOptions & { bucket?: string | null; prefix: string }) => http.post<ImportJob>(`${base(projectId)}/s3`, body),
  urls: (projectId: number, body: ImportOptions & { urls: string[] }) => http.post<ImportJob>(`${base(projectId)}/urls`, body),
  items: (projectId: number, jobId: number, state?: string) =>
    http.get<{ items: ImportItem[]; next_after: number | null }>(`${base(projectId)}/${jobId}/items`, { state, limit: 500 }),
  cancel: (projectId: number, jobId: number) => http.post<ImportJob>(`${base(projectId)}/${jobId}/cancel`),
  resume: (projectId: number, jobId: number) => http.post<ImportJob>(`${base(projectId)}/${jobId}/resume`),
}
