// Sends a drop of files one request per file (a few at a time), each with its own progress; a lost
// connection or a 5xx is retried with backoff, and what still failed is reported per file, never silently.
import { ApiError, NETWORK_ERROR, apiUrl } from '../../api/http'

export type FileStatus = 'waiting' | 'uploading' | 'done' | 'failed' | 'skipped'

export interface FileProgress {
  number: number
  name: string
  size: number
  loaded: number
  status: FileStatus
  /** an API error code (translated by the UI) when failed or skipped */
  code?: string
  attempts: number
}

export type Send = (number: number, onProgress: (loaded: number) => void, signal: AbortSignal) => Promise<void>

export interface UploadOptions {
  concurrency?: number
  retries?: number
  /** ms before the n-th retry (1-based) */
  backoff?: (attempt: number) => number
  signal: AbortSignal
  onUpdate: (progress: FileProgress) => void
}

/** Worth another try: the network dropped or the server was briefly unwell. A 4xx will not get better. */
export function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true
  return error.code === NETWORK_ERROR || error.status === 0 || error.status >= 500 || error.status === 429
}

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })

/** Uploads every `waiting` file; resolves with each file's final progress (done, failed or skipped). */
export async function uploadAll(files: FileProgress[], send: Send, options: UploadOptions): Promise<FileProgress[]> {
  const { concurrency = 3, retries = 3, backoff = (n) => 500 * 2 ** (n - 1), signal, onUpdate } = options
  const queue = files.filter((f) => f.status === 'waiting')
  const results = new Map(files.map((f) => [f.number, f]))
  const update = (f: FileProgress) => {
    results.set(f.number, f)
    onUpdate(f)
  }
  async function one(file: FileProgress): Promise<void> {
    let current = file
    for (let attempt = 1; attempt <= retries + 1; attempt += 1) {
      if (signal.aborted) return update({ ...current, status: 'failed', code: 'upload_cancelled' })
      current = { ...current, status: 'uploading', loaded: 0, attempts: attempt, code: undefined }
      update(current)
      try {
        await send(current.number, (loaded) => update({ ...current, loaded }), signal)
        return update({ ...current, status: 'done', loaded: current.size })
      } catch (error) {
        const code = signal.aborted ? 'upload_cancelled' : error instanceof ApiError ? error.code : NETWORK_ERROR
        current = { ...current, status: 'failed', code }
        if (signal.aborted || !retryable(error) || attempt > retries) return update(current)
        update(current)
        await wait(backoff(attempt), signal)
      }
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await one(next)
  })
  await Promise.all(workers)
  return files.map((f) => results.get(f.number) ?? f)
}

function csrfToken(): string | null {
  const match = document.cookie.split(';').map((p) => p.trim()).find((p) => p.startsWith('labelhive_csrf='))
  return match ? decodeURIComponent(match.slice('labelhive_csrf='.length)) : null
}

/** PUT one file as multipart (XMLHttpRequest: fetch has no upload progress); problem+json -> ApiError. */
export function sendWithXhr(path: string, file: File, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', apiUrl(path))
    xhr.withCredentials = true
    const token = csrfToken()
    if (token) xhr.setRequestHeader('X-CSRF-Token', token)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (e) => onProgress(e.loaded)
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve()
      let body: Record<string, unknown>
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>
      } catch {
        body = {}
      }
      const code = typeof body.code === 'string' ? body.code : `http_${xhr.status}`
      reject(new ApiError(xhr.status, code, typeof body.detail === 'string' ? body.detail : xhr.statusText, body))
    }
    xhr.onerror = () => reject(new ApiError(0, NETWORK_ERROR, 'network error'))
    xhr.onabort = () => reject(new ApiError(0, 'upload_cancelled', 'cancelled'))
    signal.addEventListener('abort', () => xhr.abort())
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}
