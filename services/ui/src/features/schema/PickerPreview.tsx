// The label picker as annotators will see it in the editor, in the language they use (same markup and styles).
import { Segmented } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { Label } from '../../api/types'
import { LOCALES, type Locale } from '../../i18n'
import { LabelName } from '../../components/LabelName'
import { toEditorLabels } from '../projects/labels'

export function PickerPreview({ labels }: { labels: Label[] }) {
  const { t, i18n } = useTranslation('schema')
  const [locale, setLocale] = useState<Locale>(i18n.language === 'en' ? 'en' : 'zh-CN')
  const te = i18n.getFixedT(locale, 'editor')
  const shown = toEditorLabels(labels, locale)
  const draw = shown.filter((l) => l.tools.some((tool) => tool !== 'tag'))
  const tags = shown.filter((l) => l.tools.includes('tag'))
  return (
    <div className="picker-preview" data-testid="picker-preview" lang={locale}>
      <div className="picker-preview-head">
        <strong>{t('preview.title')}</strong>
        <Segmented<Locale> size="small" value={locale} onChange={setLocale} options={LOCALES.map((l) => ({ value: l, label: l === 'en' ? 'English' : '中文' }))} />
      </div>
      <section className="panel">
        <h3>{te('labels.title')}</h3>
        {shown.length === 0 && <p className="muted small">{te('labels.none')}</p>}
        <ul className="label-list">
          {draw.map((l, i) => (
            <li key={`${l.value}-${i}`}>
              <button type="button" className={i === 0 ? 'label-btn active' : 'label-btn'} tabIndex={-1}>
                <LabelName color={l.color} name={l.name} hotkey={l.hotkey} />
              </button>
            </li>
          ))}
        </ul>
      </section>
      {tags.length > 0 && (
        <section className="panel">
          <h3>{te('tags.title')}</h3>
          {tags.map((l, i) => (
            <label key={`${l.value}-${i}`} className="tag-option">
              <input type="checkbox" readOnly checked={false} tabIndex={-1} />
              <LabelName color={l.color} name={l.name} />
            </label>
          ))}
        </section>
      )}
    </div>
  )
}
