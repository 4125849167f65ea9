// Add or edit a webhook: URL, events, optional own secret (new hooks only), active.
import { zodResolver } from '@hookform/resolvers/zod'
import { useMutation } from '@tanstack/react-query'
import { Alert, Checkbox, Form, Input, Modal, Switch } from 'antd'
import { Controller, useForm } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/formErrors'
import { EVENTS, webhooksApi, type Webhook } from './api'

const schema = z.object({
  url: z.string().trim().regex(/^https?:\/\/\S+$/, 'urlInvalid').max(2000),
  events: z.array(z.string()).min(1, 'eventsRequired'),
  secret: z.string().refine((s) => s === '' || s.length >= 16, 'secretShort'),
  active: z.boolean(),
})
type Values = z.infer<typeof schema>

export function WebhookForm({ projectId, hook, onClose }: { projectId: number; hook: Webhook | null; onClose: (created: (Webhook & { secret: string }) | null, changed: boolean) => void }) {
  const { t } = useTranslation('webhooks')
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { url: hook?.url ?? '', events: hook?.events ?? ['task.accepted'], secret: '', active: hook?.active ?? true } })
  const save = useMutation({
    mutationFn: async (v: Values) => {
      if (hook) {
        await webhooksApi.update(projectId, hook.id, { url: v.url, events: v.events, active: v.active })
        return null
      }
      return webhooksApi.create(projectId, { url: v.url, events: v.events, active: v.active, ...(v.secret ? { secret: v.secret } : {}) })
    },
    onSuccess: (created) => onClose(created, true),
    onError: (e) => {
      for (const [field, message] of fieldErrors(e, ['url', 'events', 'secret'], 'url', { outbound_refused: 'url' })) form.setError(field as keyof Values, { message })
    },
  })
  const { errors } = form.formState
  const text: Record<string, string> = { urlInvalid: t('form.urlInvalid'), eventsRequired: t('form.eventsRequired'), secretShort: t('form.secretShort') }
  const item = (name: keyof Values) => ({ validateStatus: errors[name] ? ('error' as const) : undefined, help: errors[name]?.message ? (text[errors[name].message] ?? errors[name].message) : undefined })
  return (
    <Modal open title={hook ? t('form.editTitle') : t('form.addTitle')} okText={t('form.save')} cancelText={t('form.cancel')} onCancel={() => onClose(null, false)} confirmLoading={save.isPending} onOk={() => void form.handleSubmit((v) => save.mutate(v))()}>
      <Form layout="vertical" component="div" data-testid="webhook-form">
        <Form.Item label={t('form.url')} required {...item('url')}>
          <Controller control={form.control} name="url" render={({ field }) => <Input {...field} placeholder="https://ml.example.com/hooks/labelhive" data-testid="webhook-url" />} />
        </Form.Item>
        <Form.Item label={t('form.events')} required {...item('events')}>
          <Controller
            control={form.control}
            name="events"
            render={({ field }) => <Checkbox.Group value={field.value} onChange={field.onChange} options={[...EVENTS.map((e) => ({ value: e, label: t(`event.${e.replace('.', '_')}` as 'event.task_accepted') })), { value: '*', label: t('event.all') }]} />}
          />
        </Form.Item>
        {!hook && (
          <Form.Item label={t('form.secret')} {...item('secret')} extra={t('form.secretHelp')}>
            <Controller control={form.control} name="secret" render={({ field }) => <Input.Password {...field} autoComplete="new-password" />} />
          </Form.Item>
        )}
        <Form.Item label={t('form.active')}>
          <Controller control={form.control} name="active" render={({ field }) => <Switch checked={field.value} onChange={field.onChange} />} />
        </Form.Item>
        {save.error && !Object.keys(errors).length && <Alert type="error" showIcon title={errorMessage(save.error)} />}
      </Form>
    </Modal>
  )
}
