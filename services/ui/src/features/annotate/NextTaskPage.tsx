import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { tasks as tasksApi } from '../../api/endpoints'
import { navigate, routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'

/** Asks the API for my next task and opens it; says so plainly when there is none. */
export function NextTaskPage({ projectId }: { projectId: number }) {
  const { t } = useTranslation('editor')
  const [state, setState] = useState<'loading' | 'none' | { error: unknown }>('loading')

  useEffect(() => {
    let live = true
    tasksApi
      .next(projectId)
      .then((task) => {
        if (!live) return
        if (task) navigate({ name: 'task', projectId, taskId: task.id }, true)
        else setState('none')
      })
      .catch((error: unknown) => live && setState({ error }))
    return () => {
      live = false
    }
  }, [projectId])

  if (state === 'loading') return <p className="loading">{t('next.finding')}</p>
  return (
    <div className="card center" data-testid="no-task">
      {state === 'none' ? <p>{t('next.none')}</p> : <ErrorMessage error={state.error} />}
      <a className="btn" href={routeHref({ name: 'project', projectId })}>
        {t('next.backToProject')}
      </a>
    </div>
  )
}
