import { describe, expect, it } from 'vitest'
import { ApiError, NETWORK_ERROR } from '../../api/http'
import { uploadAll, type FileProgress } from './uploader'

const file = (number: number, status: FileProgress['status'] = 'waiting'): FileProgress => ({ number, name: `f${number}.png`, size: 10, loaded: 0, status, attempts: 0 })

describe('uploadAll', () => {
  it('retries a dropped connection and reports each file', async () => {
    const calls: number[] = []
    const send = async (n: number, progress: (loaded: number) => void) => {
      calls.push(n)
      progress(5)
      if (n === 1 && calls.filter((c) => c === 1).length < 3) throw new ApiError(0, NETWORK_ERROR, 'down')
      if (n === 2) throw new ApiError(422, 'upload_size_mismatch', 'no')
    }
    const results = await uploadAll([file(0), file(1), file(2), file(3, 'skipped')], send, {
      signal: new AbortController().signal,
      onUpdate: () => undefined,
      backoff: () => 0,
    })
    expect(results.map((r) => [r.number, r.status, r.code ?? ''])).toEqual([
      [0, 'done', ''],
      [1, 'done', ''],
      [2, 'failed', 'upload_size_mismatch'],
      [3, 'skipped', ''],
    ])
    expect(results[1].attempts).toBe(3)
    expect(calls.filter((c) => c === 2)).toHaveLength(1) // a 4xx is not retried
  })

  it('gives up after the retries and says which files did not arrive', async () => {
    const send = async () => {
      throw new ApiError(0, NETWORK_ERROR, 'down')
    }
    const results = await uploadAll([file(0)], send, { signal: new AbortController().signal, onUpdate: () => undefined, retries: 2, backoff: () => 0 })
    expect(results[0]).toMatchObject({ status: 'failed', code: NETWORK_ERROR, attempts: 3 })
  })

  it('stops on cancel', async () => {
    const controller = new AbortController()
    const send = async (n: number) => {
      if (n === 0) controller.abort()
      throw new ApiError(0, NETWORK_ERROR, 'down')
    }
    const results = await uploadAll([file(0), file(1)], send, { signal: controller.signal, onUpdate: () => undefined, concurrency: 1, backoff: () => 0 })
    expect(results.map((r) => r.code)).toEqual(['upload_cancelled', 'upload_cancelled'])
  })
})
