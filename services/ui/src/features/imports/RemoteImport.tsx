// Imports that the server fetches itself: an S3 bucket/prefix the platform admin allowed, or a URL list.
import { zodResolver } from '@hookform/resolvers/zod'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Form, Input, Select } from 'antd'
import { Controller, useForm, type UseFormHandleSubmit } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { fieldErrors } from '../../components/formErrors'
import { importsApi } from './api'
import { toApiOptions, type OptionsValues } from './ImportOptionsFields'

const s3Schema = z.object({ bucket: z.string().nullable(), prefix: z.string().max(1024) })
type S3Values = z.infer<typeof s3Schema>

export function S3Import({ projectId, handleSubmit }: { projectId: number; handleSubmit: UseFormHandleSubmit<OptionsValues> }) {
  const { t } = useTranslation('imports')
  const queryClient = useQueryClient()
  const sources = useQuery({ queryKey: ['project', projectId, 'imports', 's3-buckets'], queryFn: () => importsApi.s3Buckets(projectId) })
  const form = useForm<S3Values>({ resolver: zodResolver(s3Schema), defaultValues: { bucket: null, prefix: '' } })
  const run = useMutation({
    mutationFn: ({ options, s3 }: { options: OptionsValues; s3: S3Values }) => importsApi.s3(projectId, { ...toApiOptions(options), bucket: s3.bucket, prefix: s3.prefix }),
    onSuccess: () => {
      form.reset()
      void queryClient.invalidateQueries({ queryKey: ['project', projectId, 'imports'] })
    },
    onError: (e) => {
      for (const [field, message] of fieldErrors(e, ['bucket', 'prefix'], 'prefix', { s3_bucket_not_allowed: 'bucket', s3_backend_required: 'bucket' }))
        form.setError(field as keyof S3Values, { message })
    },
  })
  const submit = handleSubmit((options) => form.handleSubmit((s3) => run.mutate({ options, s3 }))())
  const list = sources.data?.sources ?? []
  const { errors } = form.formState
  return (
    <Form layout="vertical" onFinish={() => void submit()} data-testid="s3-import">
      {sources.isSuccess && list.length === 0 && <Alert type="info" showIcon title={t('s3.none')} style={{ marginBottom: 12 }} />}
      <Form.Item label={t('s3.bucket')} validateStatus={errors.bucket ? 'error' : undefined} help={errors.bucket?.message}>
        <Controller
          control={form.control}
          name="bucket"
          render={({ field }) => (
            <Select
              allowClear
              value={field.value ?? undefined}
              onChange={(v) => field.onChange(v ?? null)}
              placeholder={t('s3.defaultBucket')}
              options={list.map((s) => ({ value: s.bucket, label: s.prefix ? `${s.bucket}/${s.prefix}` : s.bucket }))}
              style={{ maxWidth: 360 }}
            />
          )}
        />
      </Form.Item>
      <Form.Item label={t('s3.prefix')} validateStatus={errors.prefix ? 'error' : undefined} help={errors.prefix?.message} extra={t('s3.prefixHelp')}>
        <Controller control={form.control} name="prefix" render={({ field }) => <Input {...field} placeholder="line3/2026-11/" style={{ maxWidth: 480 }} />} />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={run.isPending} disabled={sources.isSuccess && list.length === 0}>
        {t('s3.start')}
      </Button>
    </Form>
  )
}

const urlsSchema = z.object({
  text: z
    .string()
    .refine((s) => s.split('\n').some((l) => l.trim()), { message: 'urlsRequired' })
    .refine((s) => s.split('\n').every((l) => !l.trim() || /^https?:\/\/\S+$/.test(l.trim())), { message: 'urlsInvalid' }),
})

export function UrlImport({ projectId, handleSubmit }: { projectId: number; handleSubmit: UseFormHandleSubmit<OptionsValues> }) {
  const { t } = useTranslation('imports')
  const queryClient = useQueryClient()
  const form = useForm<{ text: string }>({ resolver: zodResolver(urlsSchema), defaultValues: { text: '' } })
  const run = useMutation({
    mutationFn: ({ options, text }: { options: OptionsValues; text: string }) =>
      importsApi.urls(projectId, { ...toApiOptions(options), urls: text.split('\n').map((l) => l.trim()).filter(Boolean) }),
    onSuccess: () => {
      form.reset()
      void queryClient.invalidateQueries({ queryKey: ['project', projectId, 'imports'] })
    },
    onError: (e) => {
      for (const [, message] of fieldErrors(e, ['urls'], 'text')) form.setError('text', { message })
    },
  })
  const submit = handleSubmit((options) => form.handleSubmit(({ text }) => run.mutate({ options, text }))())
  const message = form.formState.errors.text?.message
  const help = message === 'urlsRequired' ? t('urls.required') : message === 'urlsInvalid' ? t('urls.invalid') : message
  return (
    <Form layout="vertical" onFinish={() => void submit()} data-testid="url-import">
      <Form.Item label={t('urls.label')} validateStatus={message ? 'error' : undefined} help={help} extra={t('urls.help')}>
        <Controller control={form.control} name="text" render={({ field }) => <Input.TextArea {...field} rows={5} placeholder="https://intranet.example/images/0001.jpg" />} />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={run.isPending}>
        {t('urls.start')}
      </Button>
    </Form>
  )
}
