import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { auth } from '../api/endpoints'
import { useSession } from '../app/session'
import { LanguageSwitch } from './LanguageSwitch'

export function Layout({ children, wide = false }: { children: ReactNode; wide?: boolean }) {
  const { t } = useTranslation()
  const { user, signOut } = useSession()
  return (
    <div className="app">
      <header className="topbar">
        <a href="#/" className="brand">
          {t('app.title')}
        </a>
        <nav className="topbar-nav">
          <a href="#/">{t('nav.projects')}</a>
        </nav>
        <div className="topbar-right">
          <LanguageSwitch onChange={(locale) => void auth.setLocale(locale).catch(() => undefined)} />
          <a className="user" href="#/profile" data-testid="current-user" title={t('nav.profile')}>
            {user.display_name || user.email}
          </a>
          <button type="button" className="btn btn-quiet" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main className={wide ? 'page page-wide' : 'page'}>{children}</main>
    </div>
  )
}
