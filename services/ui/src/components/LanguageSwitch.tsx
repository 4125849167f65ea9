import { useTranslation } from 'react-i18next'
import { LOCALES, setLocale, isLocale } from '../i18n'

/** Language names are shown in their own language, so anyone can find theirs. */
const NATIVE_NAMES: Record<(typeof LOCALES)[number], string> = { 'zh-CN': '中文', en: 'English' }

export function LanguageSwitch({ onChange }: { onChange?: (locale: string) => void }) {
  const { t, i18n } = useTranslation()
  return (
    <label className="lang-switch">
      <span className="visually-hidden">{t('language')}</span>
      <select
        aria-label={t('language')}
        data-testid="language"
        value={i18n.language}
        onChange={(e) => {
          if (!isLocale(e.target.value)) return
          setLocale(e.target.value)
          onChange?.(e.target.value)
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {NATIVE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  )
}
