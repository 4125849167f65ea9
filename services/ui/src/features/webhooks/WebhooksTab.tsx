// Workspace tab "webhooks": subscriptions (add, edit, disable, delete, ping), the secret shown once,
// and each hook's deliveries with their attempts.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Card, Modal, Popconfirm, Space, Switch, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { WorkspaceTabProps } from '../workspace/types'
import { webhooksApi, type Delivery, type Webhook } from './api'
import { WebhookForm } from './WebhookForm'

function Attempts({ projectId, hookId, delivery }: { projectId: number; hookId: number; delivery: Delivery }) {
  const { t, i18n } = useTranslation('webhooks')
  const attempts = useQuery({ queryKey: ['project', projectId, 'webhooks', hookId, delivery.id, delivery.attempts], queryFn: () => webhooksApi.attempts(projectId, hookId, delivery.id) })
  return (
    <Table
      size="small"
      rowKey="attempted_at"
      pagination={false}
      loading={attempts.isLoading}
      dataSource={attempts.data ?? []}
      locale={{ emptyText: t('deliveries.noAttempts') }}
      columns={[
        { title: t('deliveries.attemptedAt'), render: (_, a) => new Date(a.attempted_at).toLocaleString(i18n.language) },
        { title: t('deliveries.httpStatus'), render: (_, a) => a.status_code ?? '—' },
        { title: t('deliveries.duration'), render: (_, a) => `${a.duration_ms} ms` },
        { title: t('deliveries.error'), dataIndex: 'error' },
      ]}
    />
  )
}

function Deliveries({ projectId, hook }: { projectId: number; hook: Webhook }) {
  const { t, i18n } = useTranslation('webhooks')
  const list = useQuery({ queryKey: ['project', projectId, 'webhooks', hook.id, 'deliveries'], queryFn: () => webhooksApi.deliveries(projectId, hook.id), refetchInterval: 5000 })
  const colour = (s: string) => (s === 'delivered' ? 'success' : s === 'failed' ? 'error' : 'processing')
  return (
    <Table<Delivery>
      size="small"
      rowKey="id"
      data-testid="webhook-deliveries"
      loading={list.isLoading}
      dataSource={list.data ?? []}
      locale={{ emptyText: t('deliveries.empty') }}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      expandable={{ rowExpandable: (d) => d.attempts > 0, expandedRowRender: (d) => <Attempts projectId={projectId} hookId={hook.id} delivery={d} /> }}
      columns={[
        { title: t('deliveries.event'), dataIndex: 'event', render: (e: string) => <Tag>{e}</Tag> },
        { title: t('deliveries.status'), dataIndex: 'status', render: (s: string) => <Tag color={colour(s)}>{i18n.exists(`webhooks:status.${s}`) ? t(`status.${s}` as 'status.pending') : s}</Tag> },
        { title: t('deliveries.attempts'), dataIndex: 'attempts' },
        { title: t('deliveries.lastResult'), render: (_, d) => (d.last_status_code ? `HTTP ${d.last_status_code}` : d.last_error || '—') },
        { title: t('deliveries.created'), render: (_, d) => new Date(d.created_at).toLocaleString(i18n.language) },
        { title: t('deliveries.delivered'), render: (_, d) => (d.delivered_at ? new Date(d.delivered_at).toLocaleString(i18n.language) : '—') },
      ]}
    />
  )
}

export function WebhooksTab({ project }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation('webhooks')
  const queryClient = useQueryClient()
  const key = ['project', project.id, 'webhooks']
  const hooks = useQuery({ queryKey: key, queryFn: () => webhooksApi.list(project.id) })
  const [editing, setEditing] = useState<Webhook | 'new' | null>(null)
  const [secret, setSecret] = useState<string | null>(null)
  const refresh = () => void queryClient.invalidateQueries({ queryKey: key })
  const act = useMutation({
    mutationFn: async ({ hook, action }: { hook: Webhook; action: 'toggle' | 'delete' | 'ping' }) => {
      if (action === 'toggle') await webhooksApi.update(project.id, hook.id, { active: !hook.active })
      else if (action === 'delete') await webhooksApi.remove(project.id, hook.id)
      else await webhooksApi.ping(project.id, hook.id)
    },
    onSettled: refresh,
  })
  return (
    <Card
      size="small"
      title={t('title')}
      data-testid="tab-webhooks"
      extra={
        <Button type="primary" onClick={() => setEditing('new')} data-testid="add-webhook">
          {t('add')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
      <ErrorMessage error={hooks.error ?? act.error} />
      <Table<Webhook>
        size="small"
        rowKey="id"
        data-testid="webhook-list"
        loading={hooks.isLoading}
        dataSource={hooks.data ?? []}
        locale={{ emptyText: t('empty') }}
        pagination={false}
        expandable={{ expandedRowRender: (h) => <Deliveries projectId={project.id} hook={h} /> }}
        columns={[
          { title: t('column.url'), dataIndex: 'url', render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: t('column.events'), render: (_, h) => <Space size={4} wrap>{h.events.map((e) => <Tag key={e}>{e === '*' ? t('event.all') : e}</Tag>)}</Space> },
          { title: t('column.active'), render: (_, h) => <Switch size="small" checked={h.active} onChange={() => act.mutate({ hook: h, action: 'toggle' })} aria-label={t('column.active')} /> },
          { title: t('column.created'), render: (_, h) => new Date(h.created_at).toLocaleDateString(i18n.language) },
          {
            title: '',
            render: (_, h) => (
              <Space size={4}>
                <Button size="small" onClick={() => act.mutate({ hook: h, action: 'ping' })}>
                  {t('ping')}
                </Button>
                <Button size="small" onClick={() => setEditing(h)}>
                  {t('edit')}
                </Button>
                <Popconfirm title={t('deleteConfirm')} okText={t('delete')} cancelText={t('form.cancel')} onConfirm={() => act.mutate({ hook: h, action: 'delete' })}>
                  <Button size="small" danger>
                    {t('delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {editing && (
        <WebhookForm
          projectId={project.id}
          hook={editing === 'new' ? null : editing}
          onClose={(created, changed) => {
            setEditing(null)
            if (created) setSecret(created.secret)
            if (changed) refresh()
          }}
        />
      )}
      <Modal open={secret !== null} title={t('secret.title')} onOk={() => setSecret(null)} onCancel={() => setSecret(null)} okText={t('secret.done')} cancelButtonProps={{ style: { display: 'none' } }}>
        <Alert type="warning" showIcon title={t('secret.once')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: secret ?? '' }} code data-testid="webhook-secret">
          {secret}
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary">{t('secret.howto')}</Typography.Paragraph>
      </Modal>
    </Card>
  )
}
