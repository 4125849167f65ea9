import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { navigate, routeHref } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { nextTask } from './taskLoader'

/** Asks the API for my next task and opens it; says so plainly when there is none. */
export function NextTaskPage({ projectId }: { projectId: number }) {
  const { t } = useTranslation('editor')
  const { user } = useSession()
  const [state, setState] = useState<'loading' | 'none' | { error: unknown }>('loading')

  useEffect(() => {
    let live = true
    // primed: the task's data and image load while the editor page for it mounts
    nextTask(projectId, user.id)
      .then((task) => {
        if (!live) return
        if (task) navigate({ name: 'task', projectId, taskId: task.id }, true)
        else setState('none')
      })
      .catch((error: unknown) => live && setState({ error }))
    return () => {
      live = false
    }
  }, [projectId, user.id])

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
