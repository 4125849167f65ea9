// Workspace tab "pre-label": run Segment Anything on a selection of tasks (model, mode, label mapping),
// watch progress, read why items failed; says plainly when this deployment has no pre-label worker.
import { zodResolver } from '@hookform/resolvers/zod'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Card, Form, Radio, Select, Table, Tag, Typography } from 'antd'
import { Controller, useForm, useWatch } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { ErrorMessage } from '../../components/ErrorMessage'
import { JobProgress, JobStateTag } from '../../components/JobProgress'
import { fieldErrors } from '../../components/formErrors'
import { labelName } from '../projects/labels'
import { ExemplarJobReport, reportColumnTitle } from '../suggestions/ExemplarJobReport'
import { useBatches, type Selection } from '../tasks/api'
import type { WorkspaceTabProps } from '../workspace/types'
import { MODELS, MODES, prelabelApi, type PrelabelJob } from './api'

const schema = z
  .object({
    scope: z.enum(['all', 'unlabeled', 'batch']),
    batch_id: z.number().nullable(),
    model: z.enum(MODELS),
    mode: z.enum(MODES),
    label: z.string().nullable(),
  })
  .refine((v) => v.scope !== 'batch' || v.batch_id !== null, { path: ['batch_id'], message: 'batchRequired' })
  .refine((v) => v.mode === 'box' || v.label !== null, { path: ['label'], message: 'labelRequired' })
type Values = z.infer<typeof schema>

function selectionOf(v: Values): Selection {
  if (v.scope === 'batch') return { filter: { batch_id: v.batch_id ?? undefined } }
  if (v.scope === 'unlabeled') return { filter: { has_prediction: false, state: ['new'] } }
  return { filter: {} }
}

function FailedItems({ projectId, job }: { projectId: number; job: PrelabelJob }) {
  const { t, i18n } = useTranslation('prelabel')
  const items = useQuery({ queryKey: ['project', projectId, 'prelabel', job.id, 'failed', job.failed], queryFn: () => prelabelApi.failed(projectId, job.id) })
  const reason = (code: string) => (i18n.exists(`prelabel:reason.${code}`) ? t(`reason.${code}` as 'reason.internal_error') : code)
  return (
    <Table
      size="small"
      rowKey="task_id"
      data-testid="prelabel-failed"
      loading={items.isLoading}
      dataSource={items.data?.items ?? []}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      columns={[
        { title: t('jobs.task'), render: (_, i) => `#${i.task_id} ${i.filename}` },
        { title: t('jobs.reason'), render: (_, i) => <Tag color="error">{reason(i.reason)}</Tag> },
        { title: t('jobs.detail'), dataIndex: 'detail', render: (v: string) => <Typography.Text type="secondary">{v}</Typography.Text> },
      ]}
    />
  )
}

export function PrelabelTab({ project }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation('prelabel')
  const queryClient = useQueryClient()
  const status = useQuery({ queryKey: ['project', project.id, 'prelabel', 'status'], queryFn: () => prelabelApi.status(project.id) })
  const batches = useBatches(project.id)
  const jobs = useQuery({
    queryKey: ['project', project.id, 'prelabel', 'jobs'],
    queryFn: () => prelabelApi.list(project.id),
    refetchInterval: (q) => ((q.state.data ?? []).some((j) => j.state !== 'finished') ? 2000 : false),
  })
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { scope: 'unlabeled', batch_id: null, model: 'mobile-sam', mode: 'auto', label: project.labels[0]?.value ?? null } })
  const [scope, mode] = useWatch({ control: form.control, name: ['scope', 'mode'] })
  const start = useMutation({
    mutationFn: (v: Values) => prelabelApi.start(project.id, { selection: selectionOf(v), model: v.model, mode: v.mode, label_mapping: v.mode === 'box' ? null : { '*': v.label ?? '' } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['project', project.id, 'prelabel'] }),
    onError: (e) => {
      for (const [field, message] of fieldErrors(e, ['model', 'mode', 'label_mapping'], 'scope', { no_tasks: 'scope', batch_not_found: 'batch_id' }))
        form.setError((field === 'label_mapping' ? 'label' : field) as keyof Values, { message })
    },
  })
  const unavailable = status.data && !status.data.queue_configured
  const { errors } = form.formState
  const help = (m?: string) => (m === 'batchRequired' ? t('form.batchRequired') : m === 'labelRequired' ? t('form.labelRequired') : m)
  const item = (name: keyof Values) => ({ validateStatus: errors[name] ? ('error' as const) : undefined, help: help(errors[name]?.message) })
  return (
    <div data-testid="tab-prelabel">
      {unavailable && <Alert type="warning" showIcon data-testid="prelabel-unavailable" title={t('unavailable.title')} description={t('unavailable.body')} style={{ marginBottom: 12 }} />}
      <Card size="small" title={t('form.title')}>
        <Form layout="vertical" onFinish={() => void form.handleSubmit((v) => start.mutate(v))()} disabled={unavailable}>
          <Form.Item label={t('form.scope')} {...item('scope')}>
            <Controller
              control={form.control}
              name="scope"
              render={({ field }) => (
                <Radio.Group value={field.value} onChange={(e) => field.onChange(e.target.value)}>
                  <Radio value="unlabeled">{t('form.scopeUnlabeled')}</Radio>
                  <Radio value="all">{t('form.scopeAll')}</Radio>
                  <Radio value="batch">{t('form.scopeBatch')}</Radio>
                </Radio.Group>
              )}
            />
          </Form.Item>
          {scope === 'batch' && (
            <Form.Item label={t('form.batch')} {...item('batch_id')}>
              <Controller control={form.control} name="batch_id" render={({ field }) => <Select value={field.value ?? undefined} onChange={field.onChange} options={(batches.data ?? []).map((b) => ({ value: b.id, label: b.name }))} style={{ maxWidth: 320 }} />} />
            </Form.Item>
          )}
          <Form.Item label={t('form.model')} {...item('model')} extra={t('form.modelHelp')}>
            <Controller control={form.control} name="model" render={({ field }) => <Select {...field} options={MODELS.map((m) => ({ value: m, label: t(`model.${m}`) }))} style={{ maxWidth: 320 }} />} />
          </Form.Item>
          <Form.Item label={t('form.mode')} {...item('mode')}>
            <Controller
              control={form.control}
              name="mode"
              render={({ field }) => (
                <Radio.Group value={field.value} onChange={(e) => field.onChange(e.target.value)}>
                  {MODES.map((m) => (
                    <Radio key={m} value={m}>
                      {t(`mode.${m}`)}
                    </Radio>
                  ))}
                </Radio.Group>
              )}
            />
          </Form.Item>
          {mode === 'box' ? (
            <Typography.Paragraph type="secondary">{t('form.boxMapping')}</Typography.Paragraph>
          ) : (
            <Form.Item label={t('form.label')} {...item('label')} extra={t('form.labelHelp')}>
              <Controller control={form.control} name="label" render={({ field }) => <Select value={field.value ?? undefined} onChange={field.onChange} options={project.labels.map((l) => ({ value: l.value, label: labelName(l, i18n.language) }))} style={{ maxWidth: 320 }} />} />
            </Form.Item>
          )}
          <ErrorMessage error={start.error && !Object.keys(errors).length ? start.error : null} />
          <Button type="primary" htmlType="submit" loading={start.isPending} data-testid="start-prelabel">
            {t('form.start')}
          </Button>
        </Form>
      </Card>
      <Card size="small" title={t('jobs.title')} style={{ marginTop: 16 }}>
        <ErrorMessage error={jobs.error} />
        <Table
          size="small"
          rowKey="id"
          data-testid="prelabel-jobs"
          dataSource={jobs.data ?? []}
          loading={jobs.isLoading}
          locale={{ emptyText: t('jobs.empty') }}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          expandable={{ rowExpandable: (j) => j.failed > 0, expandedRowRender: (j) => <FailedItems projectId={project.id} job={j} /> }}
          columns={[
            { title: '#', dataIndex: 'id', width: 60 },
            { title: t('jobs.model'), render: (_, j) => `${t(`model.${j.model}` as 'model.mobile-sam')} · ${t(`mode.${j.mode}` as 'mode.auto')}` },
            { title: t('jobs.state'), render: (_, j) => <JobStateTag state={j.state} /> },
            { title: t('jobs.progress'), render: (_, j) => <JobProgress done={j.done + j.failed} total={j.total} state={j.state} /> },
            { title: t('jobs.failed'), render: (_, j) => (j.failed ? <Tag color="error">{j.failed}</Tag> : 0) },
            ...(jobs.data ?? []).some((j) => j.mode === 'exemplar') ? [{ title: reportColumnTitle(), render: (_: unknown, j: PrelabelJob) => <ExemplarJobReport report={j.report} /> }] : [],
            { title: t('jobs.created'), render: (_, j) => new Date(j.created_at).toLocaleString(i18n.language) },
          ]}
        />
      </Card>
    </div>
  )
}
