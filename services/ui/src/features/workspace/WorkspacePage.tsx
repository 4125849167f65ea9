// A project's workspace: its name, my next task and review queue, and one tab per job a manager does.
import { Alert, Tabs, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Role, User } from '../../api/types'
import { navigate, routeHref, type ProjectTab } from '../../app/router'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { useProject } from './queries'
import './workspace.css'
import { tabsFor } from './tabs'

export function projectRole(user: User, projectId: number): Role | null {
  if (user.is_admin) return 'admin'
  return user.memberships?.find((m) => m.project_id === projectId)?.role ?? null
}

export function WorkspacePage({ projectId, tab = 'overview' }: { projectId: number; tab?: ProjectTab }) {
  const { t } = useTranslation(['workspace', 'projects', 'common', 'work'])
  const { user } = useSession()
  const project = useProject(projectId)
  const role = projectRole(user, projectId)

  if (project.error) return <ErrorMessage error={project.error} onRetry={() => void project.refetch()} />
  if (!project.data || !role) return <p className="loading">{t('common:loading')}</p>
  const p = project.data
  const tabs = tabsFor(role)
  const active = tabs.find((d) => d.key === tab) ?? tabs[0]

  return (
    <section data-testid="workspace">
      <div className="page-head">
        <div>
          <p className="crumbs">
            <a href="#/">{t('projects:list.title')}</a> /
          </p>
          <h1 data-testid="project-name">
            {p.name} {p.archived_at && <Tag color="default">{t('archived')}</Tag>}
          </h1>
          {p.description && <p className="muted">{p.description}</p>}
        </div>
        <div className="actions">
          <a className="btn btn-primary" href={routeHref({ name: 'next', projectId })} data-testid="next-task">
            {t('projects:myNextTask')}
          </a>
          <a className="btn" href={routeHref({ name: 'myWork', projectId })} data-testid="my-work-link">
            {t('work:title')}
          </a>
          {role !== 'annotator' && (
            <a className="btn" href={routeHref({ name: 'review', projectId })}>
              {t('projects:reviewQueue')}
            </a>
          )}
        </div>
      </div>
      {p.archived_at && <Alert type="info" showIcon title={t('archivedNotice')} style={{ marginBottom: 12 }} />}
      <Tabs
        data-testid="workspace-tabs"
        activeKey={active.key}
        onChange={(key) => navigate({ name: 'project', projectId, tab: key as ProjectTab })}
        destroyOnHidden
        items={tabs.map(({ key, Component }) => ({
          key,
          label: <span data-testid={`tab-link-${key}`}>{t(`tabs.${key}`)}</span>,
          children: <Component project={p} role={role} />,
        }))}
      />
    </section>
  )
}
