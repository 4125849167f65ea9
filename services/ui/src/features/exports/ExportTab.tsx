// Workspace tab "export": the export dialog and the history of exports with status, size and download.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Card, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../../components/ErrorMessage'
import { JobProgress, JobStateTag, formatBytes } from '../../components/JobProgress'
import type { WorkspaceTabProps } from '../workspace/types'
import { useBatches } from '../tasks/api'
import { exportsApi, type ExportJob } from './api'
import { ExportDialog } from './ExportDialog'

function scopeOf(job: ExportJob, t: (k: string, o?: Record<string, unknown>) => string, batchName: (id: number) => string): string {
  const o = job.options ?? {}
  const parts: string[] = []
  if (o.batch_ids?.length) parts.push(o.batch_ids.map(batchName).join(', '))
  if (o.states?.length) parts.push(o.states.map((s) => t(`projects:state.${s}`)).join(', '))
  if (o.labels?.length) parts.push(o.labels.join(', '))
  return parts.join(' · ') || t('history.everything')
}

export function ExportTab({ project }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation(['exports', 'projects'])
  const batches = useBatches(project.id)
  const batchName = (id: number) => batches.data?.find((b) => b.id === id)?.name ?? `#${id}`
  const queryClient = useQueryClient()
  const [open, setOpen] = useState(false)
  const key = ['project', project.id, 'exports']
  const jobs = useQuery({
    queryKey: key,
    queryFn: () => exportsApi.list(project.id),
    refetchInterval: (q) => ((q.state.data ?? []).some((j) => j.state === 'queued' || j.state === 'running') ? 1500 : false),
  })
  const act = useMutation({
    mutationFn: async ({ job, action }: { job: ExportJob; action: 'cancel' | 'resume' }) => {
      if (action === 'cancel') await exportsApi.cancel(project.id, job.id)
      else await exportsApi.resume(project.id, job.id)
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: key }),
  })
  const tt = t as unknown as (k: string, o?: Record<string, unknown>) => string
  return (
    <Card
      size="small"
      title={t('history.title')}
      data-testid="tab-export"
      extra={
        <Button type="primary" onClick={() => setOpen(true)} data-testid="new-export">
          {t('history.new')}
        </Button>
      }
    >
      <ErrorMessage error={jobs.error ?? act.error} />
      <Table<ExportJob>
        size="small"
        rowKey="id"
        data-testid="export-history"
        loading={jobs.isLoading}
        dataSource={jobs.data ?? []}
        locale={{ emptyText: t('history.empty') }}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          {
            title: t('history.format'),
            render: (_, j) => (
              <Space size={4} wrap>
                <Tag>{t(`format.${j.format}` as 'format.coco')}</Tag>
                {j.with_images && <Tag color="blue">{t('history.withImages')}</Tag>}
              </Space>
            ),
          },
          { title: t('history.scope'), render: (_, j) => <Typography.Text type="secondary">{scopeOf(j, tt, batchName)}</Typography.Text> },
          { title: t('history.state'), render: (_, j) => <JobStateTag state={j.state} /> },
          { title: t('history.progress'), render: (_, j) => <JobProgress done={j.done} total={j.total} state={j.state} /> },
          { title: t('history.size'), render: (_, j) => formatBytes(j.size_bytes) },
          { title: t('history.created'), render: (_, j) => new Date(j.created_at).toLocaleString(i18n.language) },
          {
            title: '',
            render: (_, j) => (
              <Space size={4} wrap>
                {j.state === 'finished' && (
                  <a href={exportsApi.downloadHref(project.id, j.id)} download data-testid={`download-${j.id}`}>
                    {t('history.download')}
                  </a>
                )}
                {(j.state === 'queued' || j.state === 'running') && (
                  <Button size="small" onClick={() => act.mutate({ job: j, action: 'cancel' })}>
                    {t('history.cancel')}
                  </Button>
                )}
                {(j.state === 'failed' || j.state === 'cancelled') && (
                  <Button size="small" onClick={() => act.mutate({ job: j, action: 'resume' })}>
                    {t('history.resume')}
                  </Button>
                )}
                {j.error && <Typography.Text type="danger">{j.error}</Typography.Text>}
              </Space>
            ),
          },
        ]}
      />
      {open && (
        <ExportDialog
          project={project}
          onClose={(started) => {
            setOpen(false)
            if (started) void queryClient.invalidateQueries({ queryKey: key })
          }}
        />
      )}
    </Card>
  )
}
