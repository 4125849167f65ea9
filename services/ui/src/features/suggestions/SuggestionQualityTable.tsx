// How good the model's suggestions are, per label and model version: precision and recall against the
// accepted annotations of the same tasks, and the share of accepted shapes that came from suggestions.
// Shown in the golden-samples tab and the statistics tab.
import { useQuery } from '@tanstack/react-query'
import { Table } from 'antd'
import { useTranslation } from 'react-i18next'
import { exemplars, type SuggestionQuality } from '../../api/exemplars'
import type { Project } from '../../api/types'
import { ErrorMessage } from '../../components/ErrorMessage'

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`)

export function SuggestionQualityTable({ project }: { project: Project }) {
  const { t, i18n } = useTranslation('suggestions')
  // statistics change with every submitted task: fetched afresh each time a tab shows them
  const quality = useQuery({ queryKey: ['project', project.id, 'suggestion-quality'], queryFn: () => exemplars.quality(project.id), refetchOnMount: 'always' })
  const nameOf = (value: string) => {
    const label = project.labels.find((l) => l.value === value)
    return label?.names[i18n.language] ?? label?.names.en ?? Object.values(label?.names ?? {})[0] ?? value
  }
  if (quality.error) return <ErrorMessage error={quality.error} onRetry={() => void quality.refetch()} />
  if (!quality.data) return null
  if (quality.data.labels.length === 0) return <p className="muted">{t('sets.noQuality')}</p>
  return (
    <Table<SuggestionQuality>
      size="small"
      pagination={false}
      data-testid="suggestion-quality"
      rowKey={(r) => `${r.model_version}/${r.label}`}
      dataSource={quality.data.labels}
      columns={[
        { title: t('sets.model'), dataIndex: 'model_version' },
        { title: t('sets.label'), dataIndex: 'label', render: (v: string) => nameOf(v) },
        { title: t('sets.precision'), dataIndex: 'precision', render: pct },
        { title: t('sets.recall'), dataIndex: 'recall', render: pct },
        { title: t('sets.share'), dataIndex: 'accepted_share', render: pct },
      ]}
    />
  )
}
