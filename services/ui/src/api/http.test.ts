import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, apiUrl, http, NETWORK_ERROR, setSignedOutHandler } from './http'

const calls: { url: string; init: RequestInit }[] = []

function respond(status: number, body: unknown, contentType = 'application/problem+json') {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
    }),
  )
}

describe('API client', () => {
  beforeEach(() => {
    calls.length = 0
    // served under an ingress path prefix
    vi.stubGlobal('document', { cookie: 'other=1; labelhive_csrf=tok%3D1', baseURI: 'https://weld.example.com/factory-a/' })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('builds URLs under the page prefix, dropping empty query values', () => {
    expect(apiUrl('projects/3/tasks', { state: 'new', label: '', cursor: null, limit: 50 })).toBe('/factory-a/api/v1/projects/3/tasks?state=new&limit=50')
  })

  it('sends the CSRF cookie back as a header on writes only', async () => {
    respond(200, { ok: true }, 'application/json')
    await http.get('auth/me')
    await http.post('auth/logout')
    expect(new Headers(calls[0].init.headers).get('X-CSRF-Token')).toBeNull()
    expect(new Headers(calls[1].init.headers).get('X-CSRF-Token')).toBe('tok=1')
    expect(calls[1].init.credentials).toBe('same-origin')
  })

  it('turns problem+json into an ApiError with its code and body', async () => {
    respond(409, { code: 'version_conflict', detail: 'stale', current_version: 4 })
    const err = await http.put('projects/1/annotations/2', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 409, code: 'version_conflict', body: { current_version: 4 } })
  })

  it('gives a code to errors without a body, and to network failures', async () => {
    respond(502, undefined, 'text/html')
    await expect(http.get('projects')).rejects.toMatchObject({ status: 502, code: 'http_502' })
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    await expect(http.get('projects')).rejects.toMatchObject({ status: 0, code: NETWORK_ERROR })
  })

  it('tells the app when the session is gone', async () => {
    let signedOut = 0
    setSignedOutHandler(() => signedOut++)
    respond(401, { code: 'not_authenticated' })
    await expect(http.get('projects')).rejects.toMatchObject({ status: 401 })
    await expect(http.get('auth/me')).rejects.toMatchObject({ status: 401 }) // the startup check is not a sign-out
    setSignedOutHandler(null)
    expect(signedOut).toBe(1)
  })

  it('returns nothing for 204', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(null, { status: 204 })))
    await expect(http.post('auth/logout')).resolves.toBeUndefined()
  })
})
