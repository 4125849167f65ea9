// Workspace tab "tasks" (issue 9 part B builds it here; props: the project with its labels, and my role).
import { TabPlaceholder } from '../workspace/TabPlaceholder'
import type { WorkspaceTabProps } from '../workspace/types'

export function TasksTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-tasks" projectId={project.id} />
}
