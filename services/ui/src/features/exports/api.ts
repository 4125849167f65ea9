// Export jobs: start one (format, scope, images, split, class names), watch it, download the zip.
import { apiUrl, http } from '../../api/http'

export const EXPORT_FORMATS = ['coco', 'yolo', 'yolo-seg', 'voc', 'labelstudio', 'csv'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportBody {
  format: ExportFormat
  with_images: boolean
  batch_ids: number[]
  states: string[]
  labels: string[]
  val_fraction: number
  test_fraction?: number
  label_names?: string
}

export interface ExportJob {
  id: number
  format: string
  with_images: boolean
  options: Partial<ExportBody>
  state: string
  total: number
  done: number
  shapes: number
  size_bytes: number | null
  error: string
  created_at: string
  finished_at: string | null
  download_url?: string
}

const base = (projectId: number) => `projects/${projectId}/exports`

export const exportsApi = {
  list: (projectId: number) => http.get<ExportJob[]>(base(projectId), { limit: 50 }),
  start: (projectId: number, body: ExportBody) => http.post<ExportJob>(base(projectId), body),
  cancel: (projectId: number, jobId: number) => http.post<ExportJob>(`${base(projectId)}/${jobId}/cancel`),
  resume: (projectId: number, jobId: number) => http.post<ExportJob>(`${base(projectId)}/${jobId}/resume`),
  /** Same-origin link; the API answers with a redirect signed for this network. */
  downloadHref: (projectId: number, jobId: number) => apiUrl(`${base(projectId)}/${jobId}/download`),
}
