// The export dialog: format, scope (all / accepted only / a batch / a filter), images in or out,
// train/val/test split, class names as stored values or display names.
import { zodResolver } from '@hookform/resolvers/zod'
import { useMutation } from '@tanstack/react-query'
import { Alert, Form, InputNumber, Modal, Radio, Select, Space, Switch } from 'antd'
import { Controller, useForm, useWatch } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import type { Project } from '../../api/types'
import { TASK_STATES } from '../../api/types'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/formErrors'
import { labelName } from '../projects/labels'
import { useBatches } from '../tasks/api'
import { EXPORT_FORMATS, exportsApi, type ExportBody } from './api'

const schema = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    scope: z.enum(['all', 'accepted', 'batch', 'filter']),
    batch_ids: z.array(z.number()),
    states: z.array(z.string()),
    labels: z.array(z.string()),
    with_images: z.boolean(),
    val: z.number().min(0).max(90),
    test: z.number().min(0).max(90),
    label_names: z.string(),
  })
  .refine((v) => v.scope !== 'batch' || v.batch_ids.length > 0, { path: ['batch_ids'], message: 'batchRequired' })
  .refine((v) => v.val + v.test < 100, { path: ['test'], message: 'splitTooLarge' })
type Values = z.infer<typeof schema>

export function toBody(v: Values): ExportBody {
  const body: ExportBody = {
    format: v.format,
    with_images: v.with_images,
    batch_ids: v.scope === 'batch' ? v.batch_ids : [],
    states: v.scope === 'accepted' ? ['accepted'] : v.scope === 'filter' ? v.states : [],
    labels: v.scope === 'filter' ? v.labels : [],
    val_fraction: v.val / 100,
  }
  // sent only when asked for: older servers refuse options they do not know
  if (v.test > 0) body.test_fraction = v.test / 100
  if (v.label_names !== 'value') body.label_names = v.label_names
  return body
}

export function ExportDialog({ project, onClose }: { project: Project; onClose: (started: boolean) => void }) {
  const { t, i18n } = useTranslation(['exports', 'projects'])
  const batches = useBatches(project.id)
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { format: 'coco', scope: 'accepted', batch_ids: [], states: [], labels: [], with_images: true, val: 0, test: 0, label_names: 'value' },
  })
  const [scope, format] = useWatch({ control: form.control, name: ['scope', 'format'] })
  const start = useMutation({
    mutationFn: (v: Values) => exportsApi.start(project.id, toBody(v)),
    onSuccess: () => onClose(true),
    onError: (e) => {
      const map: Record<string, keyof Values> = { val_fraction: 'val', test_fraction: 'test', batch_ids: 'batch_ids', states: 'states', labels: 'labels', format: 'format', label_names: 'label_names' }
      for (const [field, message] of fieldErrors(e, Object.keys(map), 'format', { batch_not_found: 'batch_ids' })) form.setError(map[field] ?? 'format', { message })
    },
  })
  const { errors } = form.formState
  const help = (m?: string) => (m === 'batchRequired' ? t('dialog.batchRequired') : m === 'splitTooLarge' ? t('dialog.splitTooLarge') : m)
  const item = (name: keyof Values) => ({ validateStatus: errors[name] ? ('error' as const) : undefined, help: help(errors[name]?.message) })
  return (
    <Modal open width={640} title={t('dialog.title')} okText={t('dialog.start')} cancelText={t('dialog.cancel')} onCancel={() => onClose(false)} confirmLoading={start.isPending} onOk={() => void form.handleSubmit((v) => start.mutate(v))()} okButtonProps={{ 'data-testid': 'start-export' } as unknown as { type: 'primary' }}>
      <Form layout="vertical" component="div" data-testid="export-dialog">
        <Form.Item label={t('dialog.format')} {...item('format')}>
          <Controller control={form.control} name="format" render={({ field }) => <Select data-testid="export-format" {...field} options={EXPORT_FORMATS.map((f) => ({ value: f, label: t(`format.${f}`) }))} />} />
        </Form.Item>
        <Form.Item label={t('dialog.scope')} {...item('scope')}>
          <Controller
            control={form.control}
            name="scope"
            render={({ field }) => (
              <Radio.Group value={field.value} onChange={(e) => field.onChange(e.target.value)} data-testid="export-scope">
                <Radio value="accepted">{t('dialog.scopeAccepted')}</Radio>
                <Radio value="all">{t('dialog.scopeAll')}</Radio>
                <Radio value="batch">{t('dialog.scopeBatch')}</Radio>
                <Radio value="filter">{t('dialog.scopeFilter')}</Radio>
              </Radio.Group>
            )}
          />
        </Form.Item>
        {scope === 'batch' && (
          <Form.Item label={t('dialog.batches')} {...item('batch_ids')}>
            <Controller control={form.control} name="batch_ids" render={({ field }) => <Select mode="multiple" {...field} options={(batches.data ?? []).map((b) => ({ value: b.id, label: b.name }))} />} />
          </Form.Item>
        )}
        {scope === 'filter' && (
          <Space wrap style={{ width: '100%' }}>
            <Form.Item label={t('dialog.states')} {...item('states')} style={{ minWidth: 260 }}>
              <Controller control={form.control} name="states" render={({ field }) => <Select mode="multiple" {...field} placeholder={t('dialog.anyState')} options={TASK_STATES.map((s) => ({ value: s, label: t(`projects:state.${s}`) }))} />} />
            </Form.Item>
            <Form.Item label={t('dialog.labels')} {...item('labels')} style={{ minWidth: 260 }}>
              <Controller control={form.control} name="labels" render={({ field }) => <Select mode="multiple" {...field} placeholder={t('dialog.allLabels')} options={project.labels.map((l) => ({ value: l.value, label: labelName(l, i18n.language) }))} />} />
            </Form.Item>
          </Space>
        )}
        <Form.Item label={t('dialog.images')} extra={format === 'csv' ? t('dialog.csvNoImages') : t('dialog.imagesHelp')}>
          <Controller control={form.control} name="with_images" render={({ field }) => <Switch checked={field.value} onChange={field.onChange} data-testid="export-images" disabled={format === 'csv'} />} />
        </Form.Item>
        <Space wrap>
          <Form.Item label={t('dialog.val')} {...item('val')}>
            <Controller control={form.control} name="val" render={({ field }) => <InputNumber min={0} max={90} suffix="%" value={field.value} onChange={(v) => field.onChange(v ?? 0)} />} />
          </Form.Item>
          <Form.Item label={t('dialog.test')} {...item('test')}>
            <Controller control={form.control} name="test" render={({ field }) => <InputNumber min={0} max={90} suffix="%" value={field.value} onChange={(v) => field.onChange(v ?? 0)} />} />
          </Form.Item>
        </Space>
        <Form.Item label={t('dialog.labelNames')} {...item('label_names')}>
          <Controller
            control={form.control}
            name="label_names"
            render={({ field }) => (
              <Radio.Group value={field.value} onChange={(e) => field.onChange(e.target.value)}>
                <Radio value="value">{t('dialog.namesValue')}</Radio>
                <Radio value="zh-CN">{t('dialog.namesZh')}</Radio>
                <Radio value="en">{t('dialog.namesEn')}</Radio>
              </Radio.Group>
            )}
          />
        </Form.Item>
        {start.error && !Object.keys(errors).length && <Alert type="error" showIcon title={errorMessage(start.error)} />}
      </Form>
    </Modal>
  )
}
