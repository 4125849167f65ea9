import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi } from '../../api/endpoints'
import type { ProjectSummary } from '../../api/types'
import { routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'

export function ProjectListPage() {
  const { t } = useTranslation(['projects', 'common'])
  const [items, setItems] = useState<ProjectSummary[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    projectsApi
      .list()
      .then((p) => live && setItems(p))
      .catch((e: unknown) => live && setError(e))
    return () => {
      live = false
    }
  }, [attempt])

  return (
    <section>
      <h1>{t('list.title')}</h1>
      <ErrorMessage
        error={error}
        onRetry={() => {
          setError(null)
          setAttempt((a) => a + 1)
        }}
      />
      {items === null && !error && <p className="loading">{t('common:loading')}</p>}
      {items?.length === 0 && <p className="empty">{t('list.empty')}</p>}
      <ul className="project-grid" data-testid="project-list">
        {items?.map((p) => (
          <li key={p.id} className="card project-card">
            <a href={routeHref({ name: 'project', projectId: p.id })} className="project-name">
              {p.name}
            </a>
            {p.description && <p className="muted">{p.description}</p>}
            <div className="actions">
              <a className="btn btn-primary" href={routeHref({ name: 'next', projectId: p.id })}>
                {t('myNextTask')}
              </a>
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
