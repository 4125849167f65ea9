import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi } from '../../api/endpoints'
import type { Project, Role, Statistics, User } from '../../api/types'
import { routeHref } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { InvitePanel } from './InvitePanel'
import { ProgressPanel } from './ProgressPanel'
import { TaskList } from './TaskList'

const STATS_POLL_MS = 10_000

export function projectRole(user: User, projectId: number): Role | null {
  if (user.is_admin) return 'admin'
  return user.memberships?.find((m) => m.project_id === projectId)?.role ?? null
}

/** Reviewers, managers and admins see progress, the task list and the review queue. */
export function canReview(role: Role | null): boolean {
  return role === 'admin' || role === 'manager' || role === 'reviewer'
}

export function ProjectPage({ projectId }: { projectId: number }) {
  const { t } = useTranslation(['projects', 'common'])
  const { user } = useSession()
  const [project, setProject] = useState<Project | null>(null)
  const [stats, setStats] = useState<Statistics | null>(null)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    let live = true
    projectsApi
      .get(projectId)
      .then((p) => live && setProject(p))
      .catch((e: unknown) => live && setError(e))
    return () => {
      live = false
    }
  }, [projectId])

  const role = projectRole(user, projectId)
  const reviewer = canReview(role)

  useEffect(() => {
    if (!reviewer) return
    let live = true
    const poll = () =>
      projectsApi
        .statistics(projectId)
        .then((s) => live && setStats(s))
        .catch(() => undefined)
    void poll()
    const timer = window.setInterval(() => void poll(), STATS_POLL_MS)
    return () => {
      live = false
      window.clearInterval(timer)
    }
  }, [projectId, reviewer])

  if (error) return <ErrorMessage error={error} />
  if (!project) return <p className="loading">{t('common:loading')}</p>

  return (
    <section>
      <div className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/">{t('list.title')}</a> /
          </p>
          <h1 data-testid="project-name">{project.name}</h1>
          {project.description && <p className="muted">{project.description}</p>}
        </div>
        <div className="actions">
          <a className="btn btn-primary" href={routeHref({ name: 'next', projectId })} data-testid="next-task">
            {t('myNextTask')}
          </a>
          {reviewer && (
            <a className="btn" href={routeHref({ name: 'review', projectId })}>
              {t('reviewQueue')}
            </a>
          )}
        </div>
      </div>
      {project.instructions && (
        <details className="card instructions">
          <summary>{t('instructions')}</summary>
          <p className="pre">{project.instructions}</p>
        </details>
      )}
      {reviewer && <ProgressPanel stats={stats} labels={project.labels} />}
      {reviewer && <TaskList project={project} userId={user.id} />}
      {(role === 'admin' || role === 'manager') && <InvitePanel projectId={projectId} myRole={role} />}
    </section>
  )
}
