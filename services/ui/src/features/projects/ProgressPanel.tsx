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
      {stats.daily.length > 0 && <ThroughputChart daily={stats.daily} />}
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

/** Submitted and accepted per day as small bars (inline SVG: nothing to download). */
function ThroughputChart({ daily }: { daily: Statistics['daily'] }) {
  const { t } = useTranslation('projects')
  const max = Math.max(1, ...daily.map((d) => Math.max(d.submitted, d.accepted)))
  const barW = 14
  const gap = 10
  const h = 80
  const width = daily.length * (2 * barW + gap)
  return (
    <figure className="throughput">
      <figcaption>
        {t('progress.throughput')} <span className="swatch" style={{ background: STATE_COLORS.submitted }} /> {t('state.submitted')}{' '}
        <span className="swatch" style={{ background: STATE_COLORS.accepted }} /> {t('state.accepted')}
      </figcaption>
      <svg width={width} height={h + 18} role="img" aria-label={t('progress.throughput')}>
        {daily.map((d, i) => {
          const x = i * (2 * barW + gap)
          const hs = (d.submitted / max) * h
          const ha = (d.accepted / max) * h
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.submitted} / ${d.accepted}`}</title>
              <rect x={x} y={h - hs} width={barW} height={hs} fill={STATE_COLORS.submitted} />
              <rect x={x + barW} y={h - ha} width={barW} height={ha} fill={STATE_COLORS.accepted} />
              <text x={x + barW} y={h + 14} fontSize="10" textAnchor="middle" fill="#616e7c">
                {d.day.slice(5)}
              </text>
            </g>
          )
        })}
      </svg>
    </figure>
  )
}
