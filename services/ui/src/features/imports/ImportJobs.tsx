// The import job panel: progress of every job, its refused files with translated reasons, cancel/resume,
// and finishing an upload that lost its page (choose the missing files again).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Card, Space, Table, Tag, Typography, Upload } from 'antd'
import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../../components/ErrorMessage'
import { JobProgress, JobStateTag } from '../../components/JobProgress'
import { importsApi, type ImportJob } from './api'
import { pathOf, useUploader } from './FileUpload'

const ACTIVE = ['uploading', 'queued', 'running']

export function RefusedItems({ projectId, job }: { projectId: number; job: ImportJob }) {
  const { t, i18n } = useTranslation('imports')
  const items = useQuery({ queryKey: ['project', projectId, 'imports', job.id, 'refused', job.refused], queryFn: () => importsApi.items(projectId, job.id, 'refused') })
  if (items.error) return <ErrorMessage error={items.error} />
  const reason = (code: string) => (i18n.exists(`imports:reason.${code}`) ? t(`reason.${code}` as 'reason.not_an_image') : code)
  const unknown = Object.entries(job.report?.unknown_labels ?? {})
  return (
    <>
      {unknown.length > 0 && (
        <Typography.Paragraph type="warning" data-testid="unknown-labels">
          {t('jobs.unknownLabels', { labels: unknown.map(([k, n]) => `${k} (${n})`).join(', ') })}
        </Typography.Paragraph>
      )}
      <Table
        size="small"
        rowKey="id"
        data-testid="refused-items"
        loading={items.isLoading}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        dataSource={items.data?.items ?? []}
        locale={{ emptyText: t('jobs.noneRefused') }}
        columns={[
          { title: t('jobs.file'), dataIndex: 'name', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
          { title: t('jobs.reason'), dataIndex: 'reason', render: (v: string) => <Tag color="error">{reason(v)}</Tag> },
          { title: t('jobs.detail'), dataIndex: 'detail', render: (v: string) => <Typography.Text type="secondary">{v}</Typography.Text> },
        ]}
      />
    </>
  )
}

function ResumeUpload({ projectId, job, onDone }: { projectId: number; job: ImportJob; onDone: () => void }) {
  const { t } = useTranslation('imports')
  const uploader = useUploader(projectId)
  const pick = async (files: File[]) => {
    const state = await importsApi.upload(projectId, job.id)
    const byName = new Map(files.map((f) => [pathOf(f), f]))
    const base = (p: string) => p.split('/').pop() ?? p
    const matched = new Map<number, File>()
    for (const f of state.files) {
      const file = byName.get(f.name) ?? files.find((x) => base(pathOf(x)) === base(f.name) && x.size === f.size)
      if (!f.uploaded && file) matched.set(f.number, file)
    }
    const initial = state.files.map((f) => ({
      number: f.number,
      name: f.name,
      size: f.size,
      loaded: f.uploaded ? f.size : 0,
      attempts: 0,
      status: f.uploaded ? ('done' as const) : matched.has(f.number) ? ('waiting' as const) : ('failed' as const),
      code: f.uploaded || matched.has(f.number) ? undefined : 'not_uploaded',
    }))
    await uploader.run(state, matched, initial)
    onDone()
  }
  const missing = uploader.progress.filter((p) => p.status === 'failed').length
  return (
    <Space wrap>
      <Upload
        multiple
        showUploadList={false}
        beforeUpload={(file, list) => {
          if (file === list[list.length - 1]) void pick(list)
          return false
        }}
      >
        <Button size="small" loading={uploader.busy}>
          {t('jobs.chooseMissing')}
        </Button>
      </Upload>
      {missing > 0 && !uploader.busy && <Typography.Text type="danger">{t('upload.incomplete', { count: missing })}</Typography.Text>}
    </Space>
  )
}

export function ImportJobs({ projectId }: { projectId: number }) {
  const { t, i18n } = useTranslation('imports')
  const queryClient = useQueryClient()
  const jobs = useQuery({
    queryKey: ['project', projectId, 'imports'],
    queryFn: () => importsApi.list(projectId),
    refetchInterval: (q) => ((q.state.data ?? []).some((j) => ACTIVE.includes(j.state)) ? 1500 : false),
  })
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['project', projectId, 'imports'] })
    void queryClient.invalidateQueries({ queryKey: ['project', projectId, 'tasks'] })
  }
  const act = useMutation({
    mutationFn: async ({ job, action }: { job: ImportJob; action: 'cancel' | 'resume' | 'abandon' | 'start' }): Promise<void> => {
      if (action === 'cancel') await importsApi.cancel(projectId, job.id)
      else if (action === 'resume') await importsApi.resume(projectId, job.id)
      else if (action === 'start') await importsApi.start(projectId, job.id)
      else await importsApi.abandon(projectId, job.id)
    },
    onSettled: refresh,
  })
  return (
    <Card title={t('jobs.title')} size="small" style={{ marginTop: 16 }} data-testid="import-jobs">
      <ErrorMessage error={jobs.error ?? act.error} />
      <Table
        size="small"
        rowKey="id"
        loading={jobs.isLoading}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        dataSource={jobs.data ?? []}
        locale={{ emptyText: t('jobs.empty') }}
        expandable={{
          rowExpandable: (j) => j.refused > 0 || Object.keys(j.report?.unknown_labels ?? {}).length > 0,
          expandedRowRender: (j) => <RefusedItems projectId={projectId} job={j} />,
        }}
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          { title: t('jobs.source'), render: (_, j) => `${t(`kind.${j.kind}`)} · ${t(`format.${j.format}`)}` },
          { title: t('jobs.state'), render: (_, j) => <JobStateTag state={j.state} /> },
          { title: t('jobs.progress'), render: (_, j) => <JobProgress done={j.done} total={j.total} state={j.state} /> },
          {
            title: t('jobs.result'),
            render: (_, j) => (
              <Space size={4} wrap data-testid={`import-result-${j.id}`}>
                {(j.imported > 0 || j.shapes === 0) && <Tag color="success">{t('jobs.imported', { n: j.imported })}</Tag>}
                {j.duplicates > 0 && <Tag>{t('jobs.duplicates', { n: j.duplicates })}</Tag>}
                {j.refused > 0 && <Tag color="error">{t('jobs.refused', { n: j.refused })}</Tag>}
                {j.shapes > 0 && <Tag color="blue">{t('jobs.shapes', { n: j.shapes })}</Tag>}
              </Space>
            ),
          },
          { title: t('jobs.created'), render: (_, j) => new Date(j.created_at).toLocaleString(i18n.language) },
          {
            title: '',
            render: (_, j) => (
              <Space size={4} wrap>
                {j.error && <Typography.Text type="danger">{j.error}</Typography.Text>}
                {j.state === 'uploading' && (
                  <>
                    <ResumeUpload projectId={projectId} job={j} onDone={refresh} />
                    <Button size="small" onClick={() => act.mutate({ job: j, action: 'start' })}>
                      {t('upload.importWithout')}
                    </Button>
                    <Button size="small" danger onClick={() => act.mutate({ job: j, action: 'abandon' })}>
                      {t('upload.cancel')}
                    </Button>
                  </>
                )}
                {(j.state === 'queued' || j.state === 'running') && (
                  <Button size="small" onClick={() => act.mutate({ job: j, action: 'cancel' })}>
                    {t('jobs.cancel')}
                  </Button>
                )}
                {(j.state === 'cancelled' || (j.state === 'failed' && j.kind !== 'upload')) && (
                  <Button size="small" onClick={() => act.mutate({ job: j, action: 'resume' })}>
                    {t('jobs.resume')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  )
}
