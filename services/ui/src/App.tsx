import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { LOCALES, setLocale, type Locale } from './i18n'

type Health = 'checking' | 'ok' | 'down'

export default function App() {
  const { t, i18n } = useTranslation()
  const [health, setHealth] = useState<Health>('checking')

  useEffect(() => {
    fetch('/healthz')
      .then((r) => setHealth(r.ok ? 'ok' : 'down'))
      .catch(() => setHealth('down'))
  }, [])

  return (
    <main className="shell">
      <header>
        <h1>{t('app.title')}</h1>
        <label>
          {t('app.language')}{' '}
          <select value={i18n.language} onChange={(e) => setLocale(e.target.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'zh-CN' ? '中文' : 'English'}
              </option>
            ))}
          </select>
        </label>
      </header>
      <p>{t('app.tagline')}</p>
      {health !== 'checking' && (
        <p data-testid="api-status">
          {t('app.apiStatus')}: {health === 'ok' ? t('app.apiOk') : t('app.apiDown')}
        </p>
      )}
    </main>
  )
}
