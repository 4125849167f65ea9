import { TabPlaceholder } from './TabPlaceholder'

export function NewProjectPage() {
  return <TabPlaceholder testId="new-project-form" />
}
