import { describe, expect, it } from 'vitest'
import { parseInviteLink } from './invite'

describe('invite links', () => {
  it('finds the token and the path prefix', () => {
    expect(parseInviteLink('/invite/abc-123')).toEqual({ prefix: '/', token: 'abc-123' })
    expect(parseInviteLink('/weld/invite/abc/')).toEqual({ prefix: '/weld/', token: 'abc' })
  })

  it('ignores other paths', () => {
    expect(parseInviteLink('/')).toBeNull()
    expect(parseInviteLink('/invite/')).toBeNull()
    expect(parseInviteLink('/invite/a/b')).toBeNull()
  })
})
