import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import en from './locales/en.json'
import zhCN from './locales/zh-CN.json'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

export const resources = { en: { translation: en }, 'zh-CN': { translation: zhCN } } as const

function initialLocale(): Locale {
  const saved = localStorage.getItem('labelhive.locale')
  if (saved === 'en' || saved === 'zh-CN') return saved
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

void i18next.use(initReactI18next).init({
  resources,
  lng: initialLocale(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
})

export function setLocale(locale: Locale): void {
  localStorage.setItem('labelhive.locale', locale)
  document.documentElement.lang = locale
  void i18next.changeLanguage(locale)
}

export default i18next
