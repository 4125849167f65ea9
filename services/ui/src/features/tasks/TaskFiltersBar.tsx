// The task list's filters (state, label, assignee, batch, pre-labels) as one row of selects.
import { Select, Space } from 'antd'
import { useTranslation } from 'react-i18next'
import type { Batch, Label, Member, TaskFilters } from '../../api/types'
import { TASK_STATES } from '../../api/types'
import { labelName } from '../projects/labels'

export function TaskFiltersBar({ value, onChange, labels, members, batches }: { value: TaskFilters; onChange: (f: TaskFilters) => void; labels: Label[]; members: Member[]; batches: Batch[] }) {
  const { t, i18n } = useTranslation(['tasks', 'projects'])
  const set = (patch: Partial<TaskFilters>) => onChange({ ...value, ...patch })
  const width = { minWidth: 150 }
  return (
    <Space wrap data-testid="task-filters" style={{ marginBottom: 12 }}>
      <Select aria-label={t('tasks:filter.state')} style={width} value={value.state ?? ''} onChange={(v) => set({ state: v as TaskFilters['state'] })} options={[{ value: '', label: t('tasks:filter.anyState') }, ...TASK_STATES.map((s) => ({ value: s, label: t(`projects:state.${s}`) }))]} />
      <Select aria-label={t('tasks:filter.label')} style={width} value={value.label ?? ''} onChange={(v) => set({ label: v })} options={[{ value: '', label: t('tasks:filter.anyLabel') }, ...labels.map((l) => ({ value: l.value, label: labelName(l, i18n.language) }))]} />
      <Select
        aria-label={t('tasks:filter.assignee')}
        style={width}
        value={value.assignee ?? ''}
        onChange={(v) => set({ assignee: v })}
        options={[{ value: '', label: t('tasks:filter.anyAssignee') }, { value: 'none', label: t('tasks:filter.unassigned') }, ...members.map((m) => ({ value: String(m.user_id), label: m.display_name || m.email }))]}
      />
      <Select aria-label={t('tasks:filter.batch')} style={width} value={value.batch_id ?? ''} onChange={(v) => set({ batch_id: v })} options={[{ value: '', label: t('tasks:filter.anyBatch') }, ...batches.map((b) => ({ value: String(b.id), label: b.name }))]} />
      <Select
        aria-label={t('tasks:filter.prediction')}
        style={width}
        value={value.has_prediction ?? ''}
        onChange={(v) => set({ has_prediction: v as TaskFilters['has_prediction'] })}
        options={[{ value: '', label: t('tasks:filter.anyPrediction') }, { value: 'true', label: t('tasks:filter.withPrediction') }, { value: 'false', label: t('tasks:filter.withoutPrediction') }]}
      />
    </Space>
  )
}
