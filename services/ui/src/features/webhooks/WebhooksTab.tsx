// Workspace tab "webhooks" (issue 9 part B builds it here; props: the project with its labels, and my role).
import { TabPlaceholder } from '../workspace/TabPlaceholder'
import type { WorkspaceTabProps } from '../workspace/types'

export function WebhooksTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-webhooks" projectId={project.id} />
}
