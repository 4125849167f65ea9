// Workspace tab "export" (issue 9 part B builds it here; props: the project with its labels, and my role).
import { TabPlaceholder } from '../workspace/TabPlaceholder'
import type { WorkspaceTabProps } from '../workspace/types'

export function ExportTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-export" projectId={project.id} />
}
