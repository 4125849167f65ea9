// "My work": an annotator's own tasks, rejected first with what the reviewer said, then in progress,
// awaiting review and accepted; one click opens each in the editor.
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { work } from '../../api/endpoints'
import type { WorkGroup, WorkItem } from '../../api/types'
import { routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'
import './work.css'

const GROUPS: readonly WorkGroup[] = ['rejected', 'in_progress', 'submitted', 'accepted']

export function MyWorkPage({ projectId }: { projectId: number }) {
  const { t } = useTranslation(['work', 'common'])
  const mine = useQuery({ queryKey: ['project', projectId, 'my-work'], queryFn: () => work.mine(projectId), refetchOnWindowFocus: true })

  return (
    <section data-testid="my-work">
      <p className="crumbs">
        <a href={routeHref({ name: 'project', projectId })}>{t('backToProject')}</a> /
      </p>
      <div className="page-head">
        <h1>{t('title')}</h1>
        <a className="btn btn-primary" href={routeHref({ name: 'next', projectId })}>
          {t('next')}
        </a>
      </div>
      <ErrorMessage error={mine.error} onRetry={() => void mine.refetch()} />
      {mine.isPending && <p className="loading">{t('common:loading')}</p>}
      {mine.data && (
        <>
          <ul className="work-counts" data-testid="work-counts">
            {GROUPS.map((g) => (
              <li key={g} className={`work-count work-${g}`}>
                <a href={`#work-${g}`} onClick={(e) => scrollTo(e, g)}>
                  <strong data-testid={`count-${g}`}>{mine.data.counts[g]}</strong> {t(`groups.${g}`)}
                </a>
              </li>
            ))}
          </ul>
          {GROUPS.map((g) => (
            <WorkGroupCard key={g} group={g} items={mine.data.groups[g]} total={mine.data.counts[g]} projectId={projectId} />
          ))}
        </>
      )}
    </section>
  )
}

function scrollTo(e: React.MouseEvent, group: WorkGroup) {
  // in-page jump without touching the hash route
  e.preventDefault()
  document.getElementById(`work-${group}`)?.scrollIntoView({ block: 'start' })
}

function WorkGroupCard({ group, items, total, projectId }: { group: WorkGroup; items: WorkItem[]; total: number; projectId: number }) {
  const { t, i18n } = useTranslation('work')
  return (
    <div className={`card work-group work-${group}`} id={`work-${group}`} data-testid={`work-${group}`}>
      <h2>
        {t(`groups.${group}`)} <span className="muted">({total})</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted empty">{t(`empty.${group}`)}</p>
      ) : (
        <ul className="work-items">
          {items.map((item) => (
            <li key={item.task_id} className="work-item">
              <a className="work-open" href={routeHref({ name: 'task', projectId, taskId: item.task_id })} data-testid="work-open">
                <span className="work-task">
                  #{item.task_id} {item.filename}
                </span>
                <span className={`status-tag status-${item.status}`}>{t(`status.${item.status}`)}</span>
                {item.updated_at && <span className="muted small">{new Date(item.updated_at).toLocaleString(i18n.language)}</span>}
              </a>
              {(item.comment || item.shape_comments.length > 0) && (
                <div className="work-comment" data-testid="work-comment">
                  {item.comment && <p>“{item.comment}”</p>}
                  {item.shape_comments.length > 0 && <p className="muted small">{t('shapeComments', { count: item.shape_comments.length })}</p>}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {items.length < total && <p className="muted small">{t('more', { shown: items.length, total })}</p>}
    </div>
  )
}
