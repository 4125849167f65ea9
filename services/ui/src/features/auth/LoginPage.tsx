import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { auth } from '../../api/endpoints'
import type { User } from '../../api/types'
import { ErrorMessage } from '../../components/ErrorMessage'
import { LanguageSwitch } from '../../components/LanguageSwitch'
import { useInstance } from './instance'

export function LoginPage({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const { t } = useTranslation(['auth', 'common'])
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const instance = useInstance()

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await auth.login(email.trim(), password)
      // /auth/me also lists my projects and roles
      onSignedIn(await auth.me())
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <form className="card login-card" onSubmit={(e) => void submit(e)}>
        <h1>{t('common:app.title')}</h1>
        {instance?.display_name ? <h2 data-testid="instance-name">{instance.display_name}</h2> : null}
        <p className="muted">{t('common:app.tagline')}</p>
        <label className="field">
          <span>{t('email')}</span>
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('password')}</span>
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <ErrorMessage error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="login-submit">
          {busy ? t('signingIn') : t('signIn')}
        </button>
        <p className="muted small">{t('inviteHint')}</p>
      </form>
    </main>
  )
}
