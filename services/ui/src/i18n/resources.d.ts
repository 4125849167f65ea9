import 'i18next'
import type { en } from './catalogues'

// Typed keys: t('editor:toolbar.save') is checked against the English catalogue at compile time.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common'
    resources: typeof en
  }
}
