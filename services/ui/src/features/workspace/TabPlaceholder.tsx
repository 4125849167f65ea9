import { Empty } from 'antd'
import { useTranslation } from 'react-i18next'

/** Stands in for a part of the workspace that is not built yet (issue 9 part B replaces each tab). */
export function TabPlaceholder({ testId, projectId }: { testId: string; projectId?: number }) {
  const { t } = useTranslation('workspace')
  return <Empty data-testid={testId} data-project={projectId} description={t('placeholder')} />
}
