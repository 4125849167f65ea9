// Workspace tab "golden": each label's exemplar set (thumbnails, version, remove), the project's automatic
// pre-label on import, and how good the suggestions are (precision / recall per label and model version).
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Switch } from 'antd'
import { useTranslation } from 'react-i18next'
import { exemplars } from '../../api/exemplars'
import { http } from '../../api/http'
import { ErrorMessage } from '../../components/ErrorMessage'
import { keys } from '../workspace/queries'
import type { WorkspaceTabProps } from '../workspace/types'
import { SuggestionQualityTable } from './SuggestionQualityTable'
import './suggestions.css'

export function ExemplarSetsTab({ project, role }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation('suggestions')
  const client = useQueryClient()
  const sets = useQuery({ queryKey: ['project', project.id, 'exemplar-sets'], queryFn: () => exemplars.sets(project.id) })
  const nameOf = (value: string) => {
    const label = project.labels.find((l) => l.value === value)
    return label?.names[i18n.language] ?? label?.names.en ?? Object.values(label?.names ?? {})[0] ?? value
  }
  const manager = role === 'admin' || role === 'manager'
  const auto = project.auto_prelabel ?? false

  if (sets.error) return <ErrorMessage error={sets.error} onRetry={() => void sets.refetch()} />
  return (
    <div data-testid="tab-golden">
      <h2>{t('sets.title')}</h2>
      {manager && (
        <label className="inline-setting">
          <Switch
            checked={auto}
            data-testid="auto-prelabel"
            onChange={async (checked) => {
              await http.patch(`projects/${project.id}`, { auto_prelabel: checked })
              await client.invalidateQueries({ queryKey: keys.project(project.id) })
            }}
          />{' '}
          {t('sets.autoPrelabel')}
        </label>
      )}
      {sets.data && sets.data.every((s) => s.exemplars.length === 0) && <p className="muted">{t('sets.empty')}</p>}
      {sets.data
        ?.filter((s) => s.exemplars.length > 0)
        .map((s) => (
          <section key={s.label} className="panel" data-testid={`exemplar-set-${s.label}`}>
            <h3>
              {nameOf(s.label)} <span className="muted small">{t('sets.version', { version: s.version })}</span>
            </h3>
            <div className="exemplar-grid">
              {s.exemplars.map((e) => (
                <figure key={e.id} className="exemplar">
                  {e.has_thumbnail && <img src={exemplars.thumbnailUrl(project.id, e.id)} alt={nameOf(s.label)} width={120} />}
                  <figcaption>
                    <a href={`#/projects/${project.id}/tasks/${e.task_id}`}>#{e.task_id}</a>{' '}
                    <Button
                      size="small"
                      onClick={async () => {
                        await exemplars.remove(project.id, e.id)
                        await sets.refetch()
                      }}
                    >
                      {t('sets.remove')}
                    </Button>
                  </figcaption>
                </figure>
              ))}
            </div>
          </section>
        ))}
      <h2>{t('sets.quality')}</h2>
      <SuggestionQualityTable project={project} />
    </div>
  )
}
