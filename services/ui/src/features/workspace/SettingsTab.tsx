import { TabPlaceholder } from './TabPlaceholder'
import type { WorkspaceTabProps } from './types'

export function SettingsTab({ project }: WorkspaceTabProps) {
  return <TabPlaceholder testId="tab-settings" projectId={project.id} />
}
