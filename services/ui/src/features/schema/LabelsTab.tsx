import { TabPlaceholder } from '../workspace/TabPlaceholder'
import type { WorkspaceTabProps } from '../workspace/types'

export function LabelsTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-labels" projectId={project.id} />
}
