import i18next from 'i18next'
import { beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../api/http'
import { resources } from '../i18n/catalogues'
import { fieldErrors } from './fieldErrors'

describe('field errors from problem+json', () => {
  beforeAll(async () => {
    await i18next.init({ resources, lng: 'zh-CN', fallbackLng: 'en', defaultNS: 'common', interpolation: { escapeValue: false } })
  })

  it('places a validation error next to its field, translated', () => {
    const error = new ApiError(422, 'validation_failed', 'x', {
      errors: [{ loc: ['body', 'task_lease_seconds'], type: 'greater_than_equal', ctx: { ge: 60 }, msg: 'Input should be >= 60' }],
    })
    expect(fieldErrors(error)).toEqual([{ field: 'task_lease_seconds', message: '不能小于 60。' }])
  })

  it('places a coded error through the form map and ignores what it cannot place', () => {
    const dup = new ApiError(422, 'duplicate_hotkey', 'x', { label_index: 2 })
    expect(fieldErrors(dup, { duplicate_hotkey: (b) => `labels.${String(b.label_index)}.hotkey` })).toEqual([
      { field: 'labels.2.hotkey', message: expect.stringContaining('快捷键') as unknown as string },
    ])
    expect(fieldErrors(dup)).toEqual([])
    expect(fieldErrors(new Error('x'))).toEqual([])
  })
})
