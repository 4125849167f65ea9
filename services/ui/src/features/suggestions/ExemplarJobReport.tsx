// An exemplar pre-label job's report per label: objects found, or why the label was skipped (translated).
import { Space, Tag, Tooltip } from 'antd'
import i18next from 'i18next'
import { useTranslation } from 'react-i18next'

export interface ExemplarLabelReport {
  found?: number
  refused?: { exemplar_id?: string; code: string; message: string }[]
  skipped?: { code: string; message: string }
}

export interface ExemplarReport {
  labels?: Record<string, ExemplarLabelReport>
}

const reason = (code: string) => (i18next.exists(`errors:${code}`) ? i18next.t(`errors:${code}` as 'errors:generic') : code)

export const reportColumnTitle = () => i18next.t('suggestions:report.column' as 'errors:generic')

export function ExemplarJobReport({ report }: { report?: ExemplarReport | null }) {
  const { t } = useTranslation('suggestions')
  const labels = Object.entries(report?.labels ?? {})
  if (labels.length === 0) return null
  return (
    <Space size={[4, 4]} wrap data-testid="exemplar-report">
      {labels.map(([label, r]) => {
        const refused = r.refused ?? []
        const why = [...refused.map((x) => reason(x.code)), ...(r.skipped ? [r.skipped.message] : [])].join(' · ')
        return (
          <Tooltip key={label} title={why || undefined}>
            <Tag color={r.skipped ? 'warning' : 'default'} data-testid={`exemplar-report-${label}`}>
              {r.skipped ? t('report.skipped', { label, reason: reason(r.skipped.code) }) : t('report.found', { label, count: r.found ?? 0 })}
              {refused.length > 0 && ` · ${t('report.refused', { count: refused.length })}`}
            </Tag>
          </Tooltip>
        )
      })}
    </Space>
  )
}
