// problem+json errors as messages next to form fields: a 422 validation_failed names each field (`loc`),
// other codes (duplicate_hotkey with label_index, wrong_password, ...) are placed by the form's own map.
import i18next from 'i18next'
import { ApiError } from '../api/http'
import { errorMessage } from './errors'

export interface FieldError {
  /** dotted path in the form's values, e.g. `name` or `labels.2.hotkey` */
  field: string
  message: string
}

type Translate = (key: string, options?: Record<string, unknown>) => string

/** A pydantic error `type` (`string_too_short`, `greater_than_equal`, ...) in the reader's language. */
export function validationMessage(type: string, ctx: Record<string, unknown> = {}): string {
  const t = i18next.t.bind(i18next) as unknown as Translate
  const key = `forms:invalid.${type}`
  return i18next.exists(key) ? t(key, ctx) : t('forms:invalid.other')
}

/**
 * Field errors in an API error; `byCode` places codes that name no field (`{duplicate_hotkey: (body) =>
 * `labels.${body.label_index}.hotkey`}`). What cannot be placed is left to the form's general message.
 */
export function fieldErrors(error: unknown, byCode: Record<string, (body: Record<string, unknown>) => string | null> = {}): FieldError[] {
  if (!(error instanceof ApiError)) return []
  if (error.code === 'validation_failed' && Array.isArray(error.body.errors)) {
    return (error.body.errors as { loc?: unknown[]; type?: string; ctx?: Record<string, unknown> }[])
      .filter((e) => Array.isArray(e.loc) && e.loc[0] === 'body' && e.loc.length > 1)
      .map((e) => ({ field: (e.loc as unknown[]).slice(1).join('.'), message: validationMessage(e.type ?? 'other', e.ctx ?? {}) }))
  }
  const place = byCode[error.code]
  const field = place ? place(error.body) : null
  return field ? [{ field, message: errorMessage(error) }] : []
}
