// My profile: name and language, password change, personal API tokens (for the CLI and scripts).
import { zodResolver } from '@hookform/resolvers/zod'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { auth } from '../../api/endpoints'
import type { ApiToken } from '../../api/types'
import { ErrorMessage } from '../../components/ErrorMessage'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/fieldErrors'
import { LOCALES, setLocale, isLocale } from '../../i18n'
import { keys } from '../workspace/queries'

const passwordSchema = z
  .object({ current: z.string().min(1, 'forms:required'), next: z.string().min(8, 'profile:password.tooShort'), repeat: z.string() })
  .refine((v) => v.next === v.repeat, { path: ['repeat'], message: 'profile:password.mismatch' })
type PasswordValues = z.infer<typeof passwordSchema>

function PasswordCard() {
  const { t } = useTranslation(['profile', 'forms'])
  const { message } = App.useApp()
  const [formError, setFormError] = useState<string | null>(null)
  const { control, handleSubmit, setError, reset, formState } = useForm<PasswordValues>({ resolver: zodResolver(passwordSchema), defaultValues: { current: '', next: '', repeat: '' } })
  const tr = (m?: string) => (m ? (/^[a-z]+:/.test(m) ? t(m as 'forms:required') : m) : undefined)
  const submit = handleSubmit(async (v) => {
    setFormError(null)
    try {
      await auth.update({ current_password: v.current, new_password: v.next })
      reset()
      void message.success(t('password.changed'))
    } catch (error) {
      const placed = fieldErrors(error, { wrong_password: () => 'current_password', weak_password: () => 'new_password' })
      for (const f of placed) setError(f.field === 'current_password' ? 'current' : 'next', { message: f.message })
      if (!placed.length) setFormError(errorMessage(error))
    }
  })
  const item = (name: keyof PasswordValues, label: string) => ({ label, htmlFor: `pw-${name}`, validateStatus: formState.errors[name] ? ('error' as const) : undefined, help: tr(formState.errors[name]?.message) })
  return (
    <Card title={t('password.title')} style={{ marginBottom: 16 }}>
      <Form layout="vertical" onFinish={() => void submit()} style={{ maxWidth: 420 }} data-testid="password-form">
        {(['current', 'next', 'repeat'] as const).map((name) => (
          <Form.Item key={name} {...item(name, t(`password.${name}`))}>
            <Controller name={name} control={control} render={({ field }) => <Input.Password {...field} id={`pw-${name}`} autoComplete={name === 'current' ? 'current-password' : 'new-password'} />} />
          </Form.Item>
        ))}
        {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} />}
        <Button type="primary" htmlType="submit" loading={formState.isSubmitting} data-testid="password-submit">
          {t('password.submit')}
        </Button>
      </Form>
    </Card>
  )
}

function TokensCard() {
  const { t, i18n } = useTranslation(['profile', 'forms'])
  const queryClient = useQueryClient()
  const { message } = App.useApp()
  const tokens = useQuery({ queryKey: keys.tokens, queryFn: auth.tokens })
  const [name, setName] = useState('')
  const [days, setDays] = useState<number | null>(90)
  const [created, setCreated] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const create = async () => {
    setError(null)
    try {
      const token = await auth.createToken({ name: name.trim(), expires_in_days: days ?? 90 })
      setCreated(token.token)
      setName('')
      await queryClient.invalidateQueries({ queryKey: keys.tokens })
    } catch (e) {
      const placed = fieldErrors(e)
      setError(placed.length ? placed.map((p) => p.message).join(' ') : errorMessage(e))
    }
  }
  const when = (iso?: string | null) => (iso ? new Date(iso).toLocaleDateString(i18n.language) : t('tokens.never'))
  const active = (tok: ApiToken) => !tok.revoked && !(tok.expires_at && new Date(tok.expires_at).getTime() < Date.now())
  return (
    <Card title={t('tokens.title')} data-testid="tokens">
      <p className="muted">{t('tokens.help')}</p>
      <Form layout="inline" onFinish={() => void create()} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item label={t('tokens.name')} htmlFor="token-name" validateStatus={error ? 'error' : undefined} help={error ?? undefined}>
          <Input id="token-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t('tokens.namePlaceholder')} maxLength={200} data-testid="token-name" />
        </Form.Item>
        <Form.Item label={t('tokens.expires')} htmlFor="token-days">
          <InputNumber id="token-days" value={days} onChange={setDays} min={1} max={366} precision={0} suffix={t('tokens.days')} style={{ width: 130 }} data-testid="token-days" />
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={!name.trim()} data-testid="token-create">
          {t('tokens.create')}
        </Button>
      </Form>
      {created && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 12 }}
          title={t('tokens.shownOnce')}
          description={<Typography.Text code copyable={{ text: created }} data-testid="token-value">{created}</Typography.Text>}
          closable={{ onClose: () => setCreated(null) }}
        />
      )}
      <ErrorMessage error={tokens.error} />
      <Table<ApiToken>
        rowKey="id"
        size="small"
        pagination={false}
        data-testid="token-list"
        dataSource={tokens.data ?? []}
        locale={{ emptyText: t('tokens.none') }}
        columns={[
          { title: t('tokens.name'), render: (_, tok) => <strong>{tok.name}</strong> },
          { title: t('tokens.prefix'), render: (_, tok) => <code>{tok.prefix}…</code> },
          { title: t('tokens.created'), render: (_, tok) => when(tok.created_at) },
          { title: t('tokens.expires'), render: (_, tok) => when(tok.expires_at) },
          { title: t('tokens.state'), render: (_, tok) => (active(tok) ? <Tag color="green">{t('tokens.active')}</Tag> : <Tag>{tok.revoked ? t('tokens.revoked') : t('tokens.expired')}</Tag>) },
          {
            title: '',
            align: 'right',
            render: (_, tok) =>
              active(tok) ? (
                <Popconfirm
                  title={t('tokens.revokeConfirm', { name: tok.name })}
                  okText={t('tokens.revoke')}
                  cancelText={t('forms:cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={async () => {
                    try {
                      await auth.revokeToken(tok.id)
                      void message.success(t('tokens.revokedDone'))
                    } catch (e) {
                      void message.error(errorMessage(e))
                    }
                    await queryClient.invalidateQueries({ queryKey: keys.tokens })
                  }}
                >
                  <Button size="small" danger data-testid={`token-revoke-${tok.id}`}>
                    {t('tokens.revoke')}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
    </Card>
  )
}

export function ProfilePage() {
  const { t, i18n } = useTranslation(['profile', 'forms'])
  const { message } = App.useApp()
  return (
    <section data-testid="profile">
      <h1>{t('title')}</h1>
      <Card title={t('language.title')} style={{ marginBottom: 16 }}>
        <Form layout="vertical">
          <Form.Item label={t('language.label')} extra={t('language.help')} htmlFor="profile-language">
            <Select
              id="profile-language"
              style={{ width: 200 }}
              value={i18n.language}
              data-testid="profile-language"
              options={LOCALES.map((l) => ({ value: l, label: l === 'en' ? 'English' : '中文（简体）' }))}
              onChange={async (locale: string) => {
                if (!isLocale(locale)) return
                setLocale(locale)
                try {
                  await auth.update({ locale })
                  void message.success(t('language.saved'))
                } catch (e) {
                  void message.error(errorMessage(e))
                }
              }}
            />
          </Form.Item>
        </Form>
      </Card>
      <PasswordCard />
      <TokensCard />
    </section>
  )
}
