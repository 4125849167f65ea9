import 'i18next'
import type en from './locales/en.json'

// Typed keys: t('app.title') is checked against the English catalogue at compile time.
declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en }
  }
}
