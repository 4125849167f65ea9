// Puts an API error next to the form field it concerns: validation_failed names fields in `errors[].loc`,
// other problem+json codes go on the field the caller says they concern (else a form-level message).
import { ApiError } from '../api/http'
import { errorMessage } from './errors'

interface FieldProblem {
  loc?: (string | number)[]
}

/** [field, translated message] pairs for `fields`; a problem no field claims lands on `fallback`. */
export function fieldErrors(error: unknown, fields: readonly string[], fallback: string, codeFields: Record<string, string> = {}): [string, string][] {
  const message = errorMessage(error)
  if (!(error instanceof ApiError)) return [[fallback, message]]
  if (error.code in codeFields) return [[codeFields[error.code], message]]
  const problems = Array.isArray(error.body.errors) ? (error.body.errors as FieldProblem[]) : []
  const named = new Set<string>()
  for (const p of problems) {
    const hit = (p.loc ?? []).map(String).find((part) => fields.includes(part))
    if (hit) named.add(hit)
  }
  if (named.size === 0) return [[fallback, message]]
  return [...named].map((field) => [field, message])
}
