// Every saved version of the labels, newest first.
import { useQuery } from '@tanstack/react-query'
import { List, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import { labelSchema } from '../../api/endpoints'
import { ErrorMessage } from '../../components/ErrorMessage'
import { keys } from '../workspace/queries'

export function SchemaVersions({ projectId, current }: { projectId: number; current: number }) {
  const { t, i18n } = useTranslation('schema')
  const versions = useQuery({ queryKey: keys.schemaVersions(projectId), queryFn: () => labelSchema.versions(projectId) })
  return (
    <div className="card schema-versions" data-testid="schema-versions">
      <strong>{t('versions.title')}</strong>
      <ErrorMessage error={versions.error} />
      {versions.data?.length === 0 && <p className="muted small">{t('versions.none')}</p>}
      <List
        locale={{ emptyText: ' ' }}
        size="small"
        dataSource={versions.data ?? []}
        renderItem={(v) => (
          <List.Item>
            <span>
              {t('versions.version', { version: v.version })} {v.version === current && <Tag color="blue">{t('versions.current')}</Tag>}
            </span>
            <span className="muted small">
              {t('versions.labels', { count: v.labels })} · {v.author ?? '—'} · {new Date(v.created_at).toLocaleString(i18n.language)}
            </span>
          </List.Item>
        )}
      />
    </div>
  )
}
