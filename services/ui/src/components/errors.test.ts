import { beforeAll, describe, expect, it } from 'vitest'
import i18next from 'i18next'
import { ApiError } from '../api/http'
import { resources } from '../i18n/catalogues'
import { errorMessage } from './errors'

describe('error messages', () => {
  beforeAll(async () => {
    await i18next.init({ resources, lng: 'zh-CN', fallbackLng: 'en', defaultNS: 'common', interpolation: { escapeValue: false } })
  })

  it('translates a known problem+json code', () => {
    expect(errorMessage(new ApiError(401, 'invalid_credentials', 'Wrong email or password'))).toBe('邮箱或密码错误。')
  })

  it('names the current review state in the reader\'s language', () => {
    const refused = new ApiError(409, 'invalid_transition', 'cannot save', { current_state: 'accepted', allowed_actions: ['reopen'] })
    expect(errorMessage(refused)).toBe('当前无法执行此操作：该标注的状态为“已通过”。')
  })

  it('falls back to a generic message with the status', () => {
    expect(errorMessage(new ApiError(418, 'teapot', 'x'))).toContain('418')
    expect(errorMessage(new Error('boom'))).toBe('出错了，请重试。')
  })
})
