// Workspace tab "statistics": throughput over time, per annotator (submitted, acceptance rate, time per
// task), per label, and the review backlog; every chart also as a table (shown on demand, always there
// for screen readers).
import { useQuery } from '@tanstack/react-query'
import { Card, Col, Row, Segmented, Statistic, Table } from 'antd'
import { useMemo, useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { http } from '../../api/http'
import { TASK_STATES, type TaskState } from '../../api/types'
import { ErrorMessage } from '../../components/ErrorMessage'
import { labelName } from '../projects/labels'
import { SuggestionQualityTable } from '../suggestions/SuggestionQualityTable'
import type { WorkspaceTabProps } from '../workspace/types'
import { EChart, type ChartOption } from './EChart'

interface Stats {
  tasks: { by_state: Record<TaskState, number>; total: number }
  annotators: { user_id: number; display_name: string; done: number; accepted: number; rejected: number; accepted_rate: number | null; median_lead_time_ms: number | null }[]
  labels: { label: string; shapes: number }[]
  throughput: { day: string; submitted: number; accepted: number; rejected: number }[]
}

const COLOURS = { submitted: '#2563eb', accepted: '#16a34a', rejected: '#dc2626', new: '#94a3b8', in_progress: '#f59e0b' }

/** Every day of the window, zeros included, so a quiet day shows as a dip rather than vanishing. */
export function fillDays(rows: Stats['throughput'], days: number, today = new Date()): Stats['throughput'] {
  const byDay = new Map(rows.map((r) => [r.day, r]))
  const out: Stats['throughput'] = []
  for (let i = days - 1; i >= 0; i -= 1) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i))
    const day = d.toISOString().slice(0, 10)
    out.push(byDay.get(day) ?? { day, submitted: 0, accepted: 0, rejected: 0 })
  }
  return out
}

function ChartCard({ title, chart, table, testId }: { title: string; chart: ReactNode; table: ReactNode; testId: string }) {
  const { t } = useTranslation('statistics')
  const [view, setView] = useState<'chart' | 'table'>('chart')
  return (
    <Card
      size="small"
      title={title}
      data-testid={testId}
      extra={<Segmented size="small" value={view} onChange={(v) => setView(v as 'chart' | 'table')} options={[{ value: 'chart', label: t('view.chart') }, { value: 'table', label: t('view.table') }]} />}
    >
      {view === 'chart' && chart}
      <div className={view === 'chart' ? 'visually-hidden' : undefined}>{table}</div>
    </Card>
  )
}

export function StatisticsTab({ project }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation(['statistics', 'projects', 'suggestions'])
  const [days, setDays] = useState(30)
  const stats = useQuery({ queryKey: ['project', project.id, 'stats', days], queryFn: () => http.get<Stats>(`projects/${project.id}/stats`, { days }), refetchInterval: 15_000 })
  const s = stats.data
  const name = (value: string) => {
    const label = project.labels.find((l) => l.value === value)
    return label ? labelName(label, i18n.language) : value
  }
  const series = useMemo(() => (s ? fillDays(s.throughput, days) : []), [s, days])
  const kinds = ['submitted', 'accepted', 'rejected'] as const
  const throughput: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: series.map((r) => r.day.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: kinds.map((k) => ({ name: t(`kind.${k}`), type: k === 'submitted' ? 'bar' : 'line', barMaxWidth: 24, data: series.map((r) => r[k]), itemStyle: { color: COLOURS[k] } })),
  }
  const people = s?.annotators ?? []
  const perAnnotator: ChartOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 40, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: people.map((a) => a.display_name) },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }],
    series: [
      { name: t('kind.submitted'), type: 'bar', barMaxWidth: 48, data: people.map((a) => a.done), itemStyle: { color: COLOURS.submitted } },
      { name: t('annotators.acceptedRate'), type: 'line', yAxisIndex: 1, data: people.map((a) => (a.accepted_rate === null ? null : Math.round(a.accepted_rate * 100))), itemStyle: { color: COLOURS.accepted } },
    ],
  }
  const timePer: ChartOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    xAxis: { type: 'category', data: people.map((a) => a.display_name) },
    yAxis: { type: 'value', axisLabel: { formatter: `{value} ${t('seconds')}` } },
    series: [{ name: t('annotators.timePerTask'), type: 'bar', barMaxWidth: 48, data: people.map((a) => (a.median_lead_time_ms === null ? null : Math.round(a.median_lead_time_ms / 100) / 10)), itemStyle: { color: '#7c3aed' } }],
  }
  const labels = s?.labels ?? []
  const perLabel: ChartOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 100, right: 24, top: 16, bottom: 24 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: labels.map((l) => name(l.label)).reverse() },
    series: [{ name: t('labels.shapes'), type: 'bar', barMaxWidth: 28, data: labels.map((l) => l.shapes).reverse(), itemStyle: { color: '#0891b2' } }],
  }
  const byState = s?.tasks.by_state
  const backlog: ChartOption = {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['40%', '62%'], label: { formatter: '{b}: {c}' }, data: TASK_STATES.filter((st) => (byState?.[st] ?? 0) > 0).map((st) => ({ name: t(`projects:state.${st}`), value: byState?.[st] ?? 0, itemStyle: { color: COLOURS[st] } })) }],
  }
  const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`)
  const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} ${t('seconds')}`)

  if (stats.error) return <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />
  return (
    <div data-testid="tab-statistics">
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}>
          <Card size="small"><Statistic title={t('summary.total')} value={s?.tasks.total ?? 0} /></Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small"><Statistic title={t('summary.accepted')} value={byState?.accepted ?? 0} suffix={s?.tasks.total ? `/ ${s.tasks.total}` : undefined} /></Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small" data-testid="review-backlog"><Statistic title={t('summary.backlog')} value={byState?.submitted ?? 0} valueStyle={{ color: (byState?.submitted ?? 0) > 0 ? '#b45309' : undefined }} /></Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small"><Statistic title={t('summary.rework')} value={byState?.rejected ?? 0} /></Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={16}>
          <ChartCard
            testId="chart-throughput"
            title={t('throughput.title')}
            chart={
              <>
                <Segmented size="small" value={days} onChange={(v) => setDays(Number(v))} options={[7, 30, 90].map((d) => ({ value: d, label: t('throughput.days', { n: d }) }))} style={{ marginBottom: 8 }} />
                <EChart option={throughput} label={t('throughput.title')} />
              </>
            }
            table={<Table size="small" rowKey="day" pagination={false} dataSource={series.filter((r) => r.submitted || r.accepted || r.rejected)} locale={{ emptyText: t('empty') }} columns={[{ title: t('throughput.day'), dataIndex: 'day' }, ...kinds.map((k) => ({ title: t(`kind.${k}`), dataIndex: k }))]} />}
          />
        </Col>
        <Col xs={24} xl={8}>
          <ChartCard
            testId="chart-backlog"
            title={t('backlog.title')}
            chart={<EChart option={backlog} label={t('backlog.title')} />}
            table={<Table size="small" rowKey="state" pagination={false} dataSource={TASK_STATES.map((st) => ({ state: st, n: byState?.[st] ?? 0 }))} columns={[{ title: t('backlog.state'), render: (_, r) => t(`projects:state.${r.state}`) }, { title: t('backlog.tasks'), dataIndex: 'n' }]} />}
          />
        </Col>
        <Col xs={24} xl={12}>
          <ChartCard
            testId="chart-annotators"
            title={t('annotators.title')}
            chart={<EChart option={perAnnotator} label={t('annotators.title')} />}
            table={
              <Table
                size="small"
                rowKey="user_id"
                pagination={false}
                dataSource={people}
                locale={{ emptyText: t('empty') }}
                columns={[
                  { title: t('annotators.name'), dataIndex: 'display_name' },
                  { title: t('kind.submitted'), dataIndex: 'done' },
                  { title: t('kind.accepted'), dataIndex: 'accepted' },
                  { title: t('kind.rejected'), dataIndex: 'rejected' },
                  { title: t('annotators.acceptedRate'), render: (_, a) => pct(a.accepted_rate) },
                  { title: t('annotators.timePerTask'), render: (_, a) => secs(a.median_lead_time_ms) },
                ]}
              />
            }
          />
        </Col>
        <Col xs={24} xl={12}>
          <ChartCard
            testId="chart-time"
            title={t('annotators.timeTitle')}
            chart={<EChart option={timePer} label={t('annotators.timeTitle')} />}
            table={<Table size="small" rowKey="user_id" pagination={false} dataSource={people} locale={{ emptyText: t('empty') }} columns={[{ title: t('annotators.name'), dataIndex: 'display_name' }, { title: t('annotators.timePerTask'), render: (_, a) => secs(a.median_lead_time_ms) }]} />}
          />
        </Col>
        <Col xs={24}>
          <ChartCard
            testId="chart-labels"
            title={t('labels.title')}
            chart={<EChart option={perLabel} label={t('labels.title')} height={Math.max(160, 36 * labels.length + 40)} />}
            table={<Table size="small" rowKey="label" pagination={false} dataSource={labels} locale={{ emptyText: t('empty') }} columns={[{ title: t('labels.label'), render: (_, l) => name(l.label) }, { title: t('labels.shapes'), dataIndex: 'shapes' }]} />}
          />
        </Col>
        <Col xs={24}>
          <Card size="small" title={t('suggestions:sets.quality')} data-testid="statistics-suggestions">
            <SuggestionQualityTable project={project} />
          </Card>
        </Col>
      </Row>
    </div>
  )
}
