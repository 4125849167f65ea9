import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { invites } from '../../api/endpoints'
import type { InvitePreview } from '../../api/types'
import type { InviteLink } from '../../app/invite'
import { ErrorMessage } from '../../components/ErrorMessage'
import { LanguageSwitch } from '../../components/LanguageSwitch'
import { currentLocale, hasChosenLocale, isLocale } from '../../i18n'

/** Create an account from an invite link, then go straight to the projects. */
export function InvitePage({ link }: { link: InviteLink }) {
  const { t, i18n } = useTranslation(['auth', 'common'])
  const [invite, setInvite] = useState<InvitePreview | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    invites
      .preview(link.token)
      .then((p) => {
        setInvite(p)
        if (p.email) setEmail(p.email)
        if (!hasChosenLocale() && isLocale(p.project_locale)) void i18n.changeLanguage(p.project_locale)
      })
      .catch(setLoadError)
  }, [link.token, i18n])

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await invites.accept(link.token, { email: email.trim(), password, display_name: name.trim(), locale: currentLocale() })
      window.location.replace(`${link.prefix}#/`)
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <div className="login-lang">
        <LanguageSwitch />
      </div>
      <form className="card login-card" onSubmit={(e) => void submit(e)} data-testid="invite-form">
        <h1>{t('common:app.title')}</h1>
        {loadError ? (
          <>
            <ErrorMessage error={loadError} />
            <a href={`${link.prefix}#/login`}>{t('invite.toSignIn')}</a>
          </>
        ) : null}
        {!invite && !loadError && <p className="loading">{t('common:loading')}</p>}
        {invite && (
          <>
            <p>
              {invite.project_name
                ? t('invite.joinProject', { project: invite.project_name, role: t(`common:role.${invite.role}`) })
                : t('invite.joinPlatform', { role: t(`common:role.${invite.role}`) })}
            </p>
            <p className="muted small">{t('invite.expires', { date: new Date(invite.expires_at).toLocaleString(i18n.language) })}</p>
            <label className="field">
              <span>{t('email')}</span>
              <input type="email" name="email" autoComplete="username" required readOnly={!!invite.email} value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label className="field">
              <span>{t('invite.displayName')}</span>
              <input name="display_name" autoComplete="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="field">
              <span>{t('password')}</span>
              <input type="password" name="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
              <span className="muted small">{t('invite.passwordHint')}</span>
            </label>
            <ErrorMessage error={error} />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? t('invite.accepting') : t('invite.accept')}
            </button>
          </>
        )}
      </form>
    </main>
  )
}
