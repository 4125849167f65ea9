// Create or edit a project: name, description, instructions (Markdown, previewed), overlap, task lease,
// default language. react-hook-form + zod in the browser; the API's problem+json lands next to its field.
import { zodResolver } from '@hookform/resolvers/zod'
import { Alert, Button, Form, Input, InputNumber, Select, Tabs } from 'antd'
import { useState } from 'react'
import { Controller, useForm, useWatch, type FieldPath } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import type { ProjectInput, ProjectSummary } from '../../api/types'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/fieldErrors'
import { Markdown } from '../../components/markdown'
import { LOCALES } from '../../i18n'

// Messages are catalogue keys, translated where they are shown (so a language switch re-translates them).
const schema = z.object({
  name: z.string().trim().min(1, 'forms:required').max(200, 'workspace:form.tooLong'),
  description: z.string().max(20000, 'workspace:form.tooLong'),
  instructions: z.string().max(100000, 'workspace:form.tooLong'),
  overlap: z.number({ error: 'forms:invalid.int_parsing' }).int('forms:invalid.int_parsing').min(1, 'workspace:form.overlapRange').max(20, 'workspace:form.overlapRange'),
  // minutes in the form, seconds in the API; empty: the server's default
  lease_minutes: z.number({ error: 'forms:invalid.int_parsing' }).int('forms:invalid.int_parsing').min(1, 'workspace:form.leaseRange').max(1440, 'workspace:form.leaseRange').nullable(),
  default_locale: z.enum(LOCALES),
})
export type ProjectFormValues = z.infer<typeof schema>

export function toFormValues(p?: ProjectSummary): ProjectFormValues {
  return {
    name: p?.name ?? '',
    description: p?.description ?? '',
    instructions: p?.instructions ?? '',
    overlap: p?.overlap ?? 1,
    lease_minutes: p?.task_lease_seconds ? Math.round(p.task_lease_seconds / 60) : null,
    default_locale: p?.default_locale === 'en' ? 'en' : 'zh-CN',
  }
}

export function toProjectInput(v: ProjectFormValues): ProjectInput {
  const { lease_minutes, ...rest } = v
  return { ...rest, task_lease_seconds: lease_minutes === null ? null : lease_minutes * 60 }
}

const API_FIELD: Record<string, FieldPath<ProjectFormValues>> = { task_lease_seconds: 'lease_minutes' }
const NATIVE: Record<string, string> = { 'zh-CN': '中文（简体）', en: 'English' }

export function ProjectForm({ initial, submitLabel, onSubmit, onCancel }: { initial?: ProjectSummary; submitLabel: string; onSubmit: (input: ProjectInput) => Promise<unknown>; onCancel?: () => void }) {
  const { t } = useTranslation(['workspace', 'forms', 'errors'])
  const [formError, setFormError] = useState<string | null>(null)
  const { control, handleSubmit, setError, formState } = useForm<ProjectFormValues>({ resolver: zodResolver(schema), defaultValues: toFormValues(initial) })
  const instructions = useWatch({ control, name: 'instructions' })
  const tr = (message?: string) => (message ? (message.includes(':') ? t(message as 'forms:required') : message) : undefined)

  const submit = handleSubmit(async (values) => {
    setFormError(null)
    try {
      await onSubmit(toProjectInput(values))
    } catch (error) {
      const placed = fieldErrors(error)
      for (const f of placed) setError(API_FIELD[f.field] ?? (f.field as FieldPath<ProjectFormValues>), { message: f.message })
      setFormError(placed.length ? t('forms:checkFields') : errorMessage(error))
    }
  })

  const item = (name: FieldPath<ProjectFormValues>, label: string, extra?: string) => ({
    label,
    extra,
    validateStatus: formState.errors[name] ? ('error' as const) : undefined,
    help: tr(formState.errors[name]?.message),
    htmlFor: `project-${name}`,
  })

  return (
    <Form layout="vertical" onFinish={() => void submit()} data-testid="project-form" style={{ maxWidth: 760 }}>
      <Form.Item {...item('name', t('form.name'))} required>
        <Controller name="name" control={control} render={({ field }) => <Input {...field} id="project-name" maxLength={200} placeholder={t('form.namePlaceholder')} />} />
      </Form.Item>
      <Form.Item {...item('description', t('form.description'))}>
        <Controller name="description" control={control} render={({ field }) => <Input.TextArea {...field} id="project-description" autoSize={{ minRows: 2, maxRows: 5 }} />} />
      </Form.Item>
      <Form.Item {...item('instructions', t('form.instructions'), t('form.instructionsHelp'))}>
        <Tabs
          size="small"
          items={[
            {
              key: 'write',
              label: t('form.write'),
              children: <Controller name="instructions" control={control} render={({ field }) => <Input.TextArea {...field} id="project-instructions" autoSize={{ minRows: 5, maxRows: 16 }} placeholder={t('form.instructionsPlaceholder')} />} />,
            },
            {
              key: 'preview',
              label: t('form.preview'),
              children: <div className="card markdown-preview">{instructions ? <Markdown source={instructions} testId="instructions-preview" /> : <span className="muted">{t('form.nothingToPreview')}</span>}</div>,
            },
          ]}
        />
      </Form.Item>
      <div className="form-row">
        <Form.Item {...item('overlap', t('form.overlap'), t('form.overlapHelp'))}>
          <Controller name="overlap" control={control} render={({ field }) => <InputNumber {...field} id="project-overlap" precision={0} style={{ width: 120 }} onChange={(v) => field.onChange(v ?? NaN)} />} />
        </Form.Item>
        <Form.Item {...item('lease_minutes', t('form.lease'), t('form.leaseHelp'))}>
          <Controller
            name="lease_minutes"
            control={control}
            render={({ field }) => <InputNumber {...field} id="project-lease_minutes" precision={0} style={{ width: 200 }} placeholder={t('form.leaseDefault')} suffix={t('form.minutes')} onChange={(v) => field.onChange(v ?? null)} />}
          />
        </Form.Item>
        <Form.Item {...item('default_locale', t('form.locale'), t('form.localeHelp'))}>
          <Controller name="default_locale" control={control} render={({ field }) => <Select {...field} id="project-default_locale" style={{ width: 180 }} options={LOCALES.map((l) => ({ value: l, label: NATIVE[l] }))} />} />
        </Form.Item>
      </div>
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="form-error" />}
      <div className="actions">
        <Button type="primary" htmlType="submit" loading={formState.isSubmitting} data-testid="project-submit">
          {submitLabel}
        </Button>
        {onCancel && <Button onClick={onCancel}>{t('forms:cancel')}</Button>}
      </div>
    </Form>
  )
}
