// What the operator rendered from the LabelingProject (spec.displayName, spec.locale, spec.auth.signup):
// the login page shows the site's name and starts in its language unless the user chose one.
import { useEffect, useState } from 'react'
import { http } from '../../api/http'
import { applySiteLocale, isLocale } from '../../i18n'

export interface Instance {
  display_name: string | null
  default_locale: string
  signup: 'invite-only' | 'open'
}

export function useInstance(): Instance | null {
  const [instance, setInstance] = useState<Instance | null>(null)
  useEffect(() => {
    let live = true
    http.get<Instance>('instance').then(
      (value) => {
        if (!live) return
        if (isLocale(value.default_locale)) applySiteLocale(value.default_locale)
        setInstance(value)
      },
      () => undefined, // an older API without /instance: the page works as before
    )
    return () => {
      live = false
    }
  }, [])
  return instance
}
