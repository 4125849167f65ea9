// What a manager does to a selection of tasks: assign to a person, move into a batch, make a new batch,
// give back to the queue, delete (typed confirmation for many).
import { zodResolver } from '@hookform/resolvers/zod'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { App, Button, Form, Input, Modal, Select, Space } from 'antd'
import { useState } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import type { Batch, Member } from '../../api/types'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/formErrors'
import { bulkApi, type Selection } from './api'

const batchSchema = z.object({ name: z.string().trim().min(1, 'nameRequired').max(200), assignee: z.number().nullable() })
type BatchValues = z.infer<typeof batchSchema>

function NewBatchModal({ projectId, selection, count, members, onClose }: { projectId: number; selection: Selection; count: number; members: Member[]; onClose: (changed: boolean) => void }) {
  const { t } = useTranslation('tasks')
  const form = useForm<BatchValues>({ resolver: zodResolver(batchSchema), defaultValues: { name: '', assignee: null } })
  const create = useMutation({
    mutationFn: (v: BatchValues) => bulkApi.newBatch(projectId, selection, v.name.trim(), v.assignee),
    onSuccess: () => onClose(true),
    onError: (e) => {
      for (const [field, message] of fieldErrors(e, ['name', 'assignee_id'], 'name', { assignee_not_member: 'assignee_id' })) form.setError(field === 'assignee_id' ? 'assignee' : 'name', { message })
    },
  })
  const { errors } = form.formState
  const message = (m?: string) => (m === 'nameRequired' ? t('bulk.nameRequired') : m)
  return (
    <Modal open title={t('bulk.newBatchTitle', { count })} okText={t('bulk.create')} cancelText={t('bulk.close')} onOk={() => void form.handleSubmit((v) => create.mutate(v))()} confirmLoading={create.isPending} onCancel={() => onClose(false)}>
      <Form layout="vertical" component="div" data-testid="new-batch-form">
        <Form.Item label={t('bulk.batchName')} validateStatus={errors.name ? 'error' : undefined} help={message(errors.name?.message)} required>
          <Controller control={form.control} name="name" render={({ field }) => <Input {...field} data-testid="batch-name" autoFocus />} />
        </Form.Item>
        <Form.Item label={t('bulk.assignBatchTo')} validateStatus={errors.assignee ? 'error' : undefined} help={errors.assignee?.message}>
          <Controller
            control={form.control}
            name="assignee"
            render={({ field }) => (
              <Select data-testid="batch-assignee" allowClear placeholder={t('bulk.nobody')} value={field.value ?? undefined} onChange={(v) => field.onChange(v ?? null)} options={members.map((m) => ({ value: m.user_id, label: `${m.display_name || m.email} · ${m.role}` }))} />
            )}
          />
        </Form.Item>
      </Form>
    </Modal>
  )
}

export function BulkActions({ projectId, selection, count, members, batches, onDone }: { projectId: number; selection: Selection; count: number; members: Member[]; batches: Batch[]; onDone: () => void }) {
  const { t } = useTranslation('tasks')
  const { message, modal } = App.useApp()
  const queryClient = useQueryClient()
  const [newBatch, setNewBatch] = useState(false)
  const finished = (n: number) => {
    void message.success(t('bulk.changed', { n }))
    void queryClient.invalidateQueries({ queryKey: ['project', projectId] })
    onDone()
  }
  const run = useMutation({
    mutationFn: (f: () => Promise<{ updated: number }>) => f(),
    onSuccess: (r) => finished(r.updated),
    onError: (e) => void message.error(errorMessage(e)),
  })
  const confirmDelete = () =>
    modal.confirm({
      title: t('bulk.deleteTitle', { count }),
      content: t('bulk.deleteWarning'),
      okText: t('bulk.delete'),
      okButtonProps: { danger: true, 'data-testid': 'confirm-delete' } as unknown as { danger: boolean },
      cancelText: t('bulk.close'),
      onOk: () => run.mutateAsync(() => bulkApi.remove(projectId, selection)),
    })
  return (
    <Space wrap data-testid="bulk-actions">
      <Select
        data-testid="bulk-assign"
        placeholder={t('bulk.assignTo')}
        style={{ minWidth: 200 }}
        value={null}
        onChange={(v: number | 'none') => run.mutate(() => bulkApi.assign(projectId, selection, v === 'none' ? null : v))}
        options={[{ value: 'none', label: t('bulk.unassign') }, ...members.map((m) => ({ value: m.user_id, label: `${m.display_name || m.email} · ${m.role}` }))]}
      />
      <Select data-testid="bulk-batch" placeholder={t('bulk.moveToBatch')} style={{ minWidth: 180 }} value={null} onChange={(v: number) => run.mutate(() => bulkApi.toBatch(projectId, selection, v))} options={batches.map((b) => ({ value: b.id, label: b.name }))} />
      <Button onClick={() => setNewBatch(true)} data-testid="bulk-new-batch">
        {t('bulk.newBatch')}
      </Button>
      <Button onClick={() => run.mutate(() => bulkApi.release(projectId, selection))} data-testid="bulk-release">
        {t('bulk.release')}
      </Button>
      <Button danger onClick={confirmDelete} data-testid="bulk-delete">
        {t('bulk.delete')}
      </Button>
      {newBatch && (
        <NewBatchModal
          projectId={projectId}
          selection={selection}
          count={count}
          members={members}
          onClose={(changed) => {
            setNewBatch(false)
            if (changed) finished(count)
          }}
        />
      )}
    </Space>
  )
}
