import { useTranslation } from 'react-i18next'
import type { Label, Statistics } from '../../api/types'
import { TASK_STATES } from '../../api/types'
import { labelName } from './labels'

const STATE_COLORS: Record<string, string> = {
  new: '#cbd2d9',
  in_progress: '#f3a712',
  submitted: '#669bbc',
  accepted: '#3f9142',
  rejected: '#d64545',
}

export function ProgressPanel({ stats, labels }: { stats: Statistics | null; labels: Label[] }) {
  const { t, i18n } = useTranslation(['projects', 'common'])
  if (!stats) return <div className="card">{t('common:loading')}</div>
  const byState = stats.by_state ?? {}
  const total = stats.total ?? Object.values(byState).reduce((a, b) => a + (b ?? 0), 0)
  const done = (byState.accepted ?? 0) + (byState.submitted ?? 0)
  const pct = total > 0 ? Math.round((done / total) * 100) : 0
  const labelByValue = new Map(labels.map((l) => [l.value, l]))
  return (
    <div className="card progress" data-testid="progress">
      <h2>
        {t('progress.title')} <span className="muted">{t('progress.done', { done, total, pct })}</span>
      </h2>
      <div className="stacked-bar" role="img" aria-label={t('progress.title')}>
        {TASK_STATES.map((s) => {
          const n = byState[s] ?? 0
          if (!n || !total) return null
          return <span key={s} style={{ width: `${(n / total) * 100}%`, background: STATE_COLORS[s] }} title={`${t(`state.${s}`)}: ${n}`} />
        })}
      </div>
      <ul className="legend">
        {TASK_STATES.map((s) => (
          <li key={s}>
            <span className="swatch" style={{ background: STATE_COLORS[s] }} /> {t(`state.${s}`)}: <strong>{byState[s] ?? 0}</strong>
          </li>
        ))}
      </ul>
      <div className="stats-columns">
        {stats.annotators?.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('progress.annotator')}</th>
                <th>{t('progress.submitted')}</th>
                <th>{t('progress.acceptedRate')}</th>
                <th>{t('progress.medianLeadTime')}</th>
              </tr>
            </thead>
            <tbody>
              {stats.annotators.map((a) => (
                <tr key={a.user_id}>
                  <td>{a.display_name || a.email || `#${a.user_id}`}</td>
                  <td>{a.submitted}</td>
                  <td>{a.accepted_rate == null ? '—' : `${Math.round(a.accepted_rate * 100)}%`}</td>
                  <td>{a.median_lead_time_ms == null ? '—' : t('progress.seconds', { n: Math.round(a.median_lead_time_ms / 1000) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {stats.labels?.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('progress.label')}</th>
                <th>{t('progress.shapes')}</th>
              </tr>
            </thead>
            <tbody>
              {stats.labels.map((l) => {
                const label = labelByValue.get(l.label)
                return (
                  <tr key={l.label}>
                    <td>{label ? labelName(label, i18n.language) : l.label}</td>
                    <td>{l.shapes}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
      </div>
    </div>
  )
}
