// fetch wrapper: same-origin cookies, the CSRF double-submit header, problem+json errors as ApiError.

export const API_BASE = 'api/v1'
const CSRF_COOKIE = 'labelhive_csrf'
const CSRF_HEADER = 'X-CSRF-Token'

/** An HTTP error from the API; `code` is the problem+json machine-readable code the UI translates. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly body: Record<string, unknown>

  constructor(status: number, code: string, message: string, body: Record<string, unknown> = {}) {
    super(message)
    this.status = status
    this.code = code
    this.body = body
  }
}

let onSignedOut: (() => void) | null = null

/** Called when the session is gone (expired, signed out elsewhere): the app shows the login page. */
export function setSignedOutHandler(handler: (() => void) | null): void {
  onSignedOut = handler
}

/** Network failure (server unreachable): a code of its own so it is translated too. */
export const NETWORK_ERROR = 'network_error'

function cookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return null
}

/** Relative to the page's directory so the UI works under any ingress path prefix. */
export function apiUrl(path: string, query?: Record<string, string | number | boolean | null | undefined>): string {
  const base = new URL(`${API_BASE}/${path.replace(/^\//, '')}`, document.baseURI)
  for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined && v !== '') base.searchParams.set(k, String(v))
  return base.pathname + base.search
}

export async function request<T>(method: string, path: string, options: { body?: unknown; query?: Record<string, string | number | boolean | null | undefined> } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') {
    const token = cookie(CSRF_COOKIE)
    if (token) headers[CSRF_HEADER] = token
  }
  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch (e) {
    throw new ApiError(0, NETWORK_ERROR, e instanceof Error ? e.message : String(e))
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let data: unknown
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!response.ok) {
    const body = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>
    const code = typeof body.code === 'string' ? body.code : `http_${response.status}`
    const detail = typeof body.detail === 'string' ? body.detail : response.statusText
    if (response.status === 401 && code === 'not_authenticated' && path !== 'auth/me') onSignedOut?.()
    throw new ApiError(response.status, code, detail, body)
  }
  return data as T
}

export const http = {
  get: <T>(path: string, query?: Record<string, string | number | boolean | null | undefined>) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
}
