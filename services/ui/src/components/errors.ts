// Turns an error into a translated sentence: errors:<code> from the catalogue, else a generic one.
import i18next from 'i18next'
import { ApiError } from '../api/http'

export function errorCode(error: unknown): string {
  return error instanceof ApiError ? error.code : 'unknown'
}

type Translate = (key: string, options?: Record<string, unknown>) => string

export function errorMessage(error: unknown): string {
  const t = i18next.t.bind(i18next) as unknown as Translate
  const code = errorCode(error)
  if (i18next.exists(`errors:${code}`)) return t(`errors:${code}`, error instanceof ApiError ? details(error.body) : undefined)
  const status = error instanceof ApiError && error.status ? error.status : '—'
  return t('errors:generic', { status })
}

/** The problem's fields as placeholders; a review state is shown in the reader's language. */
function details(body: Record<string, unknown>): Record<string, unknown> {
  const state = body.current_state
  if (typeof state !== 'string') return { ...body }
  const key = `review:status.${state}`
  const t = i18next.t.bind(i18next) as unknown as Translate
  return { ...body, current_state: i18next.exists(key) ? t(key) : state }
}
