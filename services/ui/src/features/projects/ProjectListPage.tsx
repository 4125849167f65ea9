// The first screen: every project I can see with its progress; admins also get "New project".
import { Button, Card, Empty, Progress, Segmented, Tag } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ProjectSummary, TaskState } from '../../api/types'
import { routeHref } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useProjects } from '../workspace/queries'
import { projectRole } from '../workspace/WorkspacePage'
import '../workspace/workspace.css'

export function projectProgress(p: ProjectSummary): { total: number; done: number; pct: number } {
  const counts: Partial<Record<TaskState, number>> = p.task_counts ?? {}
  const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)
  const done = (counts.accepted ?? 0) + (counts.submitted ?? 0)
  return { total, done, pct: total ? Math.round((done / total) * 100) : 0 }
}

export function ProjectListPage() {
  const { t } = useTranslation(['projects', 'workspace', 'common'])
  const { user } = useSession()
  const projects = useProjects()
  const [show, setShow] = useState<'active' | 'archived'>('active')
  const all = projects.data ?? []
  const archived = all.filter((p) => p.archived_at)
  const shown = all.filter((p) => (show === 'archived' ? p.archived_at : !p.archived_at))

  return (
    <section>
      <div className="page-head">
        <h1>{t('list.title')}</h1>
        {user.is_admin && (
          <Button type="primary" href={routeHref({ name: 'newProject' })} data-testid="new-project">
            {t('workspace:newProject')}
          </Button>
        )}
      </div>
      <ErrorMessage error={projects.error} onRetry={() => void projects.refetch()} />
      {projects.isPending && <p className="loading">{t('common:loading')}</p>}
      {archived.length > 0 && (
        <Segmented<'active' | 'archived'>
          style={{ marginBottom: 16 }}
          value={show}
          onChange={(v) => setShow(v)}
          options={[
            { value: 'active', label: t('workspace:list.active', { n: all.length - archived.length }) },
            { value: 'archived', label: t('workspace:list.archived', { n: archived.length }) },
          ]}
        />
      )}
      {projects.data && all.length === 0 && (
        <Card data-testid="projects-empty">
          <Empty
            description={
              user.is_admin ? (
                <>
                  <strong>{t('workspace:list.emptyAdminTitle')}</strong>
                  <br />
                  {t('workspace:list.emptyAdmin')}
                </>
              ) : (
                t('list.empty')
              )
            }
          >
            {user.is_admin && (
              <Button type="primary" href={routeHref({ name: 'newProject' })}>
                {t('workspace:newProject')}
              </Button>
            )}
          </Empty>
        </Card>
      )}
      <ul className="project-grid" data-testid="project-list">
        {shown.map((p) => {
          const { total, done, pct } = projectProgress(p)
          const role = projectRole(user, p.id)
          return (
            <li key={p.id} className="card project-card" data-testid="project-card">
              <div className="project-card-head">
                <a href={routeHref({ name: 'project', projectId: p.id })} className="project-name">
                  {p.name}
                </a>
                {role && <Tag>{t(`common:role.${role}`)}</Tag>}
              </div>
              {p.description && <p className="muted">{p.description}</p>}
              <Progress percent={pct} size="small" aria-label={t('workspace:list.progress')} />
              <p className="muted small" data-testid="project-progress">
                {total ? t('progress.done', { done, total, pct }) : t('workspace:list.noTasks')}
              </p>
              <div className="actions">
                <a className="btn btn-primary" href={routeHref({ name: 'next', projectId: p.id })}>
                  {t('myNextTask')}
                </a>
                {(role === 'admin' || role === 'manager') && (
                  <a className="btn" href={routeHref({ name: 'project', projectId: p.id, tab: total ? 'tasks' : 'import' })}>
                    {total ? t('workspace:tabs.tasks') : t('workspace:tabs.import')}
                  </a>
                )}
              </div>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
