// The `?` overlay: every shortcut of the editor, the label keys of this project included.
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import type { EditorLabel } from '../../editor/types'
import { GROUPS, SHORTCUTS } from './shortcuts'

const WORDS = new Set(['wheel', 'Space+drag'])

export function ShortcutsOverlay({ labels, onClose }: { labels: EditorLabel[]; onClose: () => void }) {
  const { t } = useTranslation('annotate')
  const closeRef = useRef<HTMLButtonElement>(null)
  useEffect(() => closeRef.current?.focus(), [])
  const withKeys = labels.filter((l) => l.hotkey)
  return (
    <div className="overlay-backdrop" role="presentation" onClick={onClose}>
      <div
        className="overlay shortcuts-overlay"
        role="dialog"
        aria-modal="true"
        aria-label={t('shortcuts.title')}
        data-testid="shortcuts-overlay"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault()
            e.stopPropagation()
            onClose()
          }
        }}
      >
        <div className="overlay-head">
          <h2>{t('shortcuts.title')}</h2>
          <button ref={closeRef} type="button" className="btn btn-small" onClick={onClose} data-testid="shortcuts-close">
            {t('shortcuts.close')}
          </button>
        </div>
        <div className="shortcuts-grid">
          {GROUPS.map((g) => (
            <section key={g}>
              <h3>{t(`shortcuts.group.${g}`)}</h3>
              <table className="shortcuts-table">
                <tbody>
                  {SHORTCUTS.filter((s) => s.group === g).map((s) => (
                    <tr key={s.action}>
                      <td className="keys">
                        {s.keys.map((k) => (
                          <kbd key={k}>{WORDS.has(k) ? t(`keys.${k === 'wheel' ? 'wheel' : 'spaceDrag'}`) : k}</kbd>
                        ))}
                      </td>
                      <td>{t(`shortcuts.${s.action}`)}</td>
                    </tr>
                  ))}
                  {g === 'tools' &&
                    withKeys.map((l) => (
                      <tr key={`label-${l.value}`}>
                        <td className="keys">
                          <kbd>{l.hotkey}</kbd>
                        </td>
                        <td>{t('shortcuts.label', { name: l.name })}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
      </div>
    </div>
  )
}
