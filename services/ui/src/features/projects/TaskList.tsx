import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi, tasks as tasksApi } from '../../api/endpoints'
import type { Batch, Member, Project, Task, TaskFilters } from '../../api/types'
import { TASK_STATES } from '../../api/types'
import { routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'
import { labelName } from './labels'

const PAGE_SIZE = 50

export function TaskList({ project, userId }: { project: Project; userId: number }) {
  const { t, i18n } = useTranslation(['projects', 'common'])
  const [filters, setFilters] = useState<TaskFilters>({ state: '', label: '', has_prediction: '', assignee: '', batch_id: '' })
  const [batches, setBatches] = useState<Batch[]>([])
  const [members, setMembers] = useState<Member[]>([])

  useEffect(() => {
    tasksApi
      .batches(project.id)
      .then(setBatches)
      .catch(() => undefined)
    projectsApi
      .members(project.id)
      .then(setMembers)
      .catch(() => undefined)
  }, [project.id])

  const nameOf = (userId: number | null) => {
    if (userId === null) return ''
    const m = members.find((x) => x.user_id === userId)
    return m ? m.display_name || m.email : `#${userId}`
  }
  const [items, setItems] = useState<Task[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<unknown>(null)

  const load = useCallback(
    async (after: string | null, replace: boolean) => {
      setLoading(true)
      setError(null)
      try {
        const page = await tasksApi.list(project.id, filters, after, PAGE_SIZE)
        setItems((prev) => (replace ? page.items : [...prev, ...page.items]))
        setCursor(page.next_cursor)
      } catch (e) {
        setError(e)
      } finally {
        setLoading(false)
      }
    },
    [project.id, filters],
  )

  useEffect(() => {
    // a new filter starts again from the first page
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null, true)
  }, [load])

  const set = (patch: Partial<TaskFilters>) => setFilters((f) => ({ ...f, ...patch }))

  return (
    <div className="card">
      <h2>{t('tasks.title')}</h2>
      <div className="filters" data-testid="task-filters">
        <label>
          {t('tasks.state')}
          <select value={filters.state} onChange={(e) => set({ state: e.target.value as TaskFilters['state'] })}>
            <option value="">{t('tasks.any')}</option>
            {TASK_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('tasks.label')}
          <select value={filters.label} onChange={(e) => set({ label: e.target.value })}>
            <option value="">{t('tasks.any')}</option>
            {project.labels.map((l) => (
              <option key={l.value} value={l.value}>
                {labelName(l, i18n.language)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('tasks.assignee')}
          <select value={filters.assignee} onChange={(e) => set({ assignee: e.target.value })}>
            <option value="">{t('tasks.any')}</option>
            <option value={String(userId)}>{t('tasks.assignedToMe')}</option>
            <option value="none">{t('tasks.unassigned')}</option>
            {members
              .filter((m) => m.user_id !== userId)
              .map((m) => (
                <option key={m.user_id} value={String(m.user_id)}>
                  {m.display_name || m.email}
                </option>
              ))}
          </select>
        </label>
        {batches.length > 0 && (
          <label>
            {t('tasks.batch')}
            <select value={filters.batch_id} onChange={(e) => set({ batch_id: e.target.value })}>
              <option value="">{t('tasks.any')}</option>
              {batches.map((b) => (
                <option key={b.id} value={String(b.id)}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('tasks.prediction')}
          <select value={filters.has_prediction} onChange={(e) => set({ has_prediction: e.target.value as TaskFilters['has_prediction'] })}>
            <option value="">{t('tasks.any')}</option>
            <option value="true">{t('tasks.withPrediction')}</option>
            <option value="false">{t('tasks.withoutPrediction')}</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={error} />
      <table className="table" data-testid="task-list">
        <thead>
          <tr>
            <th>#</th>
            <th>{t('tasks.file')}</th>
            <th>{t('tasks.state')}</th>
            <th>{t('tasks.assignee')}</th>
            <th>{t('tasks.prediction')}</th>
            <th>{t('tasks.updated')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((task) => (
            <tr key={task.id}>
              <td>
                <a href={routeHref({ name: 'task', projectId: project.id, taskId: task.id })}>{task.id}</a>
              </td>
              <td className="ellipsis">{task.filename || '—'}</td>
              <td>
                <span className={`pill pill-${task.state}`}>{t(`state.${task.state}`)}</span>
              </td>
              <td>{nameOf(task.assignee_id)}</td>
              <td>{task.has_prediction ? t('tasks.yes') : ''}</td>
              <td className="muted">{task.updated_at ? new Date(task.updated_at).toLocaleString(i18n.language) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && items.length === 0 && !error && <p className="empty">{t('tasks.empty')}</p>}
      <div className="load-more">
        {loading && <span className="muted">{t('common:loading')}</span>}
        {!loading && cursor && (
          <button type="button" className="btn" onClick={() => void load(cursor, false)} data-testid="load-more">
            {t('tasks.loadMore')}
          </button>
        )}
      </div>
    </div>
  )
}
