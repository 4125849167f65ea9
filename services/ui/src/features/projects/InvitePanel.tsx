import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { invites } from '../../api/endpoints'
import type { Role } from '../../api/types'
import { ErrorMessage } from '../../components/ErrorMessage'

const GRANTABLE: Record<Role, Role[]> = {
  admin: ['annotator', 'reviewer', 'manager', 'admin'],
  manager: ['annotator', 'reviewer', 'manager'],
  reviewer: [],
  annotator: [],
}

/** Managers make an invite link and hand it out (chat, e-mail, a printed QR code...). */
export function InvitePanel({ projectId, myRole, onCreated }: { projectId: number; myRole: Role; onCreated?: () => void }) {
  const { t } = useTranslation(['projects', 'common'])
  const roles = GRANTABLE[myRole]
  const [role, setRole] = useState<Role>('annotator')
  const [maxUses, setMaxUses] = useState(1)
  const [hours, setHours] = useState(72)
  const [url, setUrl] = useState<string | null>(null)
  const [copied, setCopied] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  if (roles.length === 0) return null

  async function create(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setCopied(false)
    try {
      setUrl((await invites.create(projectId, { role, max_uses: maxUses, expires_in_hours: hours })).url)
      onCreated?.()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  async function copy(input: HTMLInputElement | null) {
    if (!url) return
    try {
      await navigator.clipboard.writeText(url)
    } catch {
      // plain-http intranet pages have no clipboard API: fall back to selecting the text
      input?.select()
      document.execCommand('copy')
    }
    setCopied(true)
  }

  return (
    <details className="card">
      <summary className="summary-title">{t('invite.title')}</summary>
      <form className="filters invite-form" onSubmit={(e) => void create(e)}>
        <label>
          {t('invite.role')}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`common:role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('invite.maxUses')}
          <input type="number" min={1} max={1000} value={maxUses} onChange={(e) => setMaxUses(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <label>
          {t('invite.validHours')}
          <input type="number" min={1} max={2160} value={hours} onChange={(e) => setHours(Math.max(1, Number(e.target.value) || 1))} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('invite.create')}
        </button>
      </form>
      <ErrorMessage error={error} />
      {url && (
        <div className="invite-link">
          <input readOnly value={url} data-testid="invite-url" onFocus={(e) => e.target.select()} id="invite-url" />
          <button type="button" className="btn" onClick={() => void copy(document.getElementById('invite-url') as HTMLInputElement | null)}>
            {copied ? t('invite.copied') : t('invite.copy')}
          </button>
        </div>
      )}
    </details>
  )
}
