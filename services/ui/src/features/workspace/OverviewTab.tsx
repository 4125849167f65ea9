// The workspace's first tab: instructions, my next task, progress and (for reviewers and up) the task list.
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi } from '../../api/endpoints'
import { useSession } from '../../app/session'
import { Markdown } from '../../components/markdown'
import { ProgressPanel } from '../projects/ProgressPanel'
import { TaskList } from '../projects/TaskList'
import type { WorkspaceTabProps } from './types'

const STATS_POLL_MS = 10_000

export function OverviewTab({ project, role }: WorkspaceTabProps) {
  const { t } = useTranslation(['projects', 'common'])
  const { user } = useSession()
  const reviewer = role !== 'annotator'
  const stats = useQuery({
    queryKey: ['project', project.id, 'stats'],
    queryFn: () => projectsApi.statistics(project.id),
    enabled: reviewer,
    refetchInterval: STATS_POLL_MS,
  })
  return (
    <>
      {project.instructions && (
        <details className="card instructions" open={role === 'annotator'}>
          <summary>{t('instructions')}</summary>
          <Markdown source={project.instructions} testId="instructions" />
        </details>
      )}
      {reviewer && <ProgressPanel stats={stats.data ?? null} labels={project.labels} />}
      {reviewer && <TaskList project={project} userId={user.id} />}
    </>
  )
}
