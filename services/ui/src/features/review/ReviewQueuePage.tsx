import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi, reviews } from '../../api/endpoints'
import type { Annotation, Member } from '../../api/types'
import { routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'

export function ReviewQueuePage({ projectId }: { projectId: number }) {
  const { t, i18n } = useTranslation(['review', 'common'])
  const [items, setItems] = useState<Annotation[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<unknown>(null)
  const [members, setMembers] = useState<Member[]>([])

  useEffect(() => {
    projectsApi
      .members(projectId)
      .then(setMembers)
      .catch(() => undefined)
  }, [projectId])

  const nameOf = (userId: number) => {
    const m = members.find((x) => x.user_id === userId)
    return m ? m.display_name || m.email : `#${userId}`
  }

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true)
      setError(null)
      try {
        const page = await reviews.queue(projectId, after)
        setItems((prev) => (after ? [...prev, ...page.items] : page.items))
        setCursor(page.next_cursor)
      } catch (e) {
        setError(e)
      } finally {
        setLoading(false)
      }
    },
    [projectId],
  )

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null)
  }, [load])

  return (
    <section>
      <p className="crumbs">
        <a href={routeHref({ name: 'project', projectId })}>{t('backToProject')}</a> /
      </p>
      <h1>{t('queue.title')}</h1>
      <ErrorMessage error={error} onRetry={() => void load(null)} />
      <div className="card">
        <table className="table" data-testid="review-queue">
          <thead>
            <tr>
              <th>{t('queue.task')}</th>
              <th>{t('queue.annotator')}</th>
              <th>{t('queue.version')}</th>
              <th>{t('queue.submitted')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((annotation) => (
              <tr key={annotation.id}>
                <td>#{annotation.task_id}</td>
                <td>{nameOf(annotation.user_id)}</td>
                <td>{annotation.version}</td>
                <td className="muted">{annotation.updated_at ? new Date(annotation.updated_at).toLocaleString(i18n.language) : ''}</td>
                <td>
                  <a className="btn btn-small btn-primary" href={routeHref({ name: 'reviewTask', projectId, taskId: annotation.task_id, annotationId: annotation.id })}>
                    {t('queue.open')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 && !error && <p className="empty">{t('queue.empty')}</p>}
        <div className="load-more">
          {loading && <span className="muted">{t('common:loading')}</span>}
          {!loading && cursor && (
            <button type="button" className="btn" onClick={() => void load(cursor)}>
              {t('queue.loadMore')}
            </button>
          )}
        </div>
      </div>
    </section>
  )
}
