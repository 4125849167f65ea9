// What the files are (plain images or a dataset format) and, for datasets, what their shapes become:
// predictions or annotations, chosen explicitly; optionally the batch the new tasks join.
import { Form, Input, Radio, Select } from 'antd'
import { Controller, type Control, type FieldErrors } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { useBatches } from '../tasks/api'
import { IMPORT_FORMATS } from './api'

export const optionsSchema = z
  .object({
    format: z.enum(['images', 'coco', 'yolo', 'voc', 'labelstudio']),
    annotations_as: z.enum(['predictions', 'annotations']).nullable(),
    batch_id: z.number().nullable(),
    model_version: z.string().max(200),
  })
  .refine((v) => v.format === 'images' || v.annotations_as !== null, { path: ['annotations_as'], message: 'chooseAnnotationsAs' })

export type OptionsValues = z.infer<typeof optionsSchema>
export const defaultOptions: OptionsValues = { format: 'images', annotations_as: null, batch_id: null, model_version: '' }

export function toApiOptions(v: OptionsValues) {
  return {
    format: v.format,
    annotations_as: v.annotations_as ?? 'predictions',
    batch_id: v.batch_id,
    model_version: v.model_version.trim() || null,
  }
}

export function ImportOptionsFields({ control, errors, projectId, format }: { control: Control<OptionsValues>; errors: FieldErrors<OptionsValues>; projectId: number; format: string }) {
  const { t } = useTranslation('imports')
  const batches = useBatches(projectId)
  const err = (name: keyof OptionsValues) => {
    const message = errors[name]?.message
    return message ? { validateStatus: 'error' as const, help: message === 'chooseAnnotationsAs' ? t('options.chooseAnnotationsAs') : message } : {}
  }
  return (
    <>
      <Form.Item label={t('options.format')} {...err('format')}>
        <Controller
          control={control}
          name="format"
          render={({ field }) => (
            <Select data-testid="import-format" {...field} options={IMPORT_FORMATS.map((f) => ({ value: f, label: t(`format.${f}`) }))} style={{ maxWidth: 360 }} />
          )}
        />
      </Form.Item>
      {format !== 'images' && (
        <>
          <Form.Item label={t('options.annotationsAs')} required {...err('annotations_as')} extra={t('options.annotationsAsHelp')}>
            <Controller
              control={control}
              name="annotations_as"
              render={({ field }) => (
                <Radio.Group data-testid="import-annotations-as" value={field.value} onChange={(e) => field.onChange(e.target.value)}>
                  <Radio value="predictions">{t('options.asPredictions')}</Radio>
                  <Radio value="annotations">{t('options.asAnnotations')}</Radio>
                </Radio.Group>
              )}
            />
          </Form.Item>
          <Form.Item label={t('options.modelVersion')} {...err('model_version')} extra={t('options.modelVersionHelp')}>
            <Controller control={control} name="model_version" render={({ field }) => <Input {...field} style={{ maxWidth: 360 }} placeholder="import@coco" />} />
          </Form.Item>
        </>
      )}
      <Form.Item label={t('options.batch')} {...err('batch_id')}>
        <Controller
          control={control}
          name="batch_id"
          render={({ field }) => (
            <Select
              allowClear
              value={field.value ?? undefined}
              onChange={(v) => field.onChange(v ?? null)}
              placeholder={t('options.noBatch')}
              options={(batches.data ?? []).map((b) => ({ value: b.id, label: b.name }))}
              style={{ maxWidth: 360 }}
            />
          )}
        />
      </Form.Item>
    </>
  )
}
