// A background job's state as a coloured tag and its progress as a bar (imports, exports, pre-label jobs).
import { Progress, Tag } from 'antd'
import { useTranslation } from 'react-i18next'

const COLOURS: Record<string, string> = {
  uploading: 'processing',
  queued: 'default',
  running: 'processing',
  published: 'processing',
  finished: 'success',
  failed: 'error',
  cancelled: 'warning',
}

export function JobStateTag({ state }: { state: string }) {
  const { t, i18n } = useTranslation('jobs')
  const key = `jobState.${state}`
  return <Tag color={COLOURS[state] ?? 'default'}>{i18n.exists(`jobs:${key}`) ? t(key as 'jobState.queued') : state}</Tag>
}

export function JobProgress({ done, total, state }: { done: number; total: number; state: string }) {
  const percent = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : state === 'finished' ? 100 : 0
  const status = state === 'failed' ? 'exception' : state === 'finished' ? 'success' : state === 'running' ? 'active' : 'normal'
  return <Progress percent={percent} size="small" status={status} format={() => `${done}/${total}`} style={{ minWidth: 140 }} />
}

/** 1.5 MB, 320 KB: sizes people read at a glance. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = n / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
