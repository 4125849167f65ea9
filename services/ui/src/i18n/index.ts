import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import { NAMESPACES, resources } from './catalogues'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
const STORAGE_KEY = 'labelhive.locale'

export function isLocale(value: unknown): value is Locale {
  return value === 'en' || value === 'zh-CN'
}

function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY)
  if (isLocale(saved)) return saved
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

const lng = initialLocale()
document.documentElement.lang = lng

declare global {
  interface Window {
    /** Set before the app loads (the locale-completeness browser test does): no fallback language, and
     * every key looked up but missing from the current locale is listed in `__LABELHIVE_MISSING_KEYS__`. */
    __LABELHIVE_I18N_CHECK__?: boolean
    __LABELHIVE_MISSING_KEYS__?: string[]
  }
}

const checking = window.__LABELHIVE_I18N_CHECK__ === true

/** `<locale> <namespace>:<key>` for a key some screen used that the catalogue of that locale lacks. */
export function recordMissingKey(lngs: readonly string[], ns: string, key: string): void {
  const missing = (window.__LABELHIVE_MISSING_KEYS__ ??= [])
  const entry = `${lngs.join(',')} ${ns}:${key}`
  if (!missing.includes(entry)) missing.push(entry)
}

void i18next.use(initReactI18next).init({
  resources,
  ns: NAMESPACES,
  defaultNS: 'common',
  lng,
  // While checking, a key missing in zh-CN must not be hidden by the English text.
  fallbackLng: checking ? false : 'en',
  saveMissing: checking,
  saveMissingTo: 'current',
  missingKeyHandler: checking ? recordMissingKey : false,
  interpolation: { escapeValue: false },
})

// the tab title follows the language too
i18next.on('languageChanged', () => {
  document.title = i18next.t('app.title')
})

export function setLocale(locale: Locale): void {
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
  void i18next.changeLanguage(locale)
}

/** Whether the reader picked a language in this browser (it then wins over a project's default). */
export function hasChosenLocale(): boolean {
  return isLocale(localStorage.getItem(STORAGE_KEY))
}

/** The site's language (the LabelingProject's spec.locale), unless this browser's user chose one. */
export function applySiteLocale(locale: Locale): void {
  if (hasChosenLocale() || i18next.language === locale) return
  document.documentElement.lang = locale
  void i18next.changeLanguage(locale)
}

export function currentLocale(): Locale {
  return isLocale(i18next.language) ? i18next.language : 'en'
}

export default i18next
