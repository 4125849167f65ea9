import { TabPlaceholder } from '../workspace/TabPlaceholder'
import type { WorkspaceTabProps } from '../workspace/types'

export function MembersTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-members" projectId={project.id} />
}
