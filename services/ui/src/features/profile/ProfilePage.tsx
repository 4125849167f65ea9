import { TabPlaceholder } from '../workspace/TabPlaceholder'

export function ProfilePage() {
  return <TabPlaceholder testId="profile" />
}
