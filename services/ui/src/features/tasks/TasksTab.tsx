// Workspace tab "tasks": thumbnails, the list's filters, multi-select (or every task matching the filters)
// and bulk actions for managers.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Alert, Button, Card, Image, Space, Table, Tag, Typography } from 'antd'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { tasks as tasksApi } from '../../api/endpoints'
import type { Task, TaskFilters } from '../../api/types'
import { routeHref } from '../../app/router'
import { ErrorMessage } from '../../components/ErrorMessage'
import type { WorkspaceTabProps } from '../workspace/types'
import { bulkApi, taskKeys, toBulkFilter, useBatches, useMembers, type Selection } from './api'
import { BulkActions } from './BulkActions'
import { TaskFiltersBar } from './TaskFiltersBar'

const PAGE = 50
const NO_FILTERS: TaskFilters = { state: '', label: '', assignee: '', batch_id: '', has_prediction: '' }

export function TasksTab({ project, role }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation(['tasks', 'projects'])
  const manager = role === 'admin' || role === 'manager'
  const [filters, setFilters] = useState<TaskFilters>(NO_FILTERS)
  const [selected, setSelected] = useState<number[]>([])
  const [allMatching, setAllMatching] = useState(false)
  const members = useMembers(project.id)
  const batches = useBatches(project.id)
  const list = useInfiniteQuery({
    queryKey: [...taskKeys.list(project.id), filters],
    queryFn: ({ pageParam }) => tasksApi.list(project.id, filters, pageParam, PAGE),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  })
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data])
  const ids = rows.map((r) => r.id)
  const thumbs = useQuery({
    queryKey: ['project', project.id, 'thumbs', ids],
    queryFn: async () => {
      const out = new Map<number, string>()
      for (let i = 0; i < ids.length; i += 500) {
        const page = await bulkApi.thumbnails(project.id, ids.slice(i, i + 500))
        for (const item of page.items) out.set(item.task_id, item.thumbnail_url ?? item.url)
      }
      return out
    },
    enabled: ids.length > 0,
    staleTime: 5 * 60_000,
  })
  const bulkFilter = toBulkFilter(filters)
  const matching = useQuery({ queryKey: ['project', project.id, 'tasks', 'count', bulkFilter], queryFn: () => bulkApi.count(project.id, { filter: bulkFilter }) })
  const total = matching.data?.count ?? 0
  const selection: Selection = allMatching ? { filter: bulkFilter } : { task_ids: selected }
  const count = allMatching ? total : selected.length
  const nameOf = (id: number | null) => {
    if (id === null) return ''
    const m = members.data?.find((x) => x.user_id === id)
    return m ? m.display_name || m.email : `#${id}`
  }
  const batchOf = (id: number | null) => batches.data?.find((b) => b.id === id)?.name ?? ''
  const clear = () => {
    setSelected([])
    setAllMatching(false)
  }
  const changeFilters = (f: TaskFilters) => {
    setFilters(f)
    clear()
  }

  return (
    <Card size="small" title={t('tasks:title', { count: total })} data-testid="tab-tasks">
      <TaskFiltersBar value={filters} onChange={changeFilters} labels={project.labels} members={members.data ?? []} batches={batches.data ?? []} />
      <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      {manager && count > 0 && (
        <Alert
          type="info"
          style={{ marginBottom: 12 }}
          data-testid="selection-bar"
          title={
            <Space wrap>
              <Typography.Text strong data-testid="selection-count">
                {allMatching ? t('tasks:selection.allMatching', { count }) : t('tasks:selection.selected', { count })}
              </Typography.Text>
              {!allMatching && selected.length === rows.length && total > rows.length && (
                <Button type="link" size="small" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
                  {t('tasks:selection.selectAll', { count: total })}
                </Button>
              )}
              <Button type="link" size="small" onClick={clear}>
                {t('tasks:selection.clear')}
              </Button>
            </Space>
          }
          description={<BulkActions projectId={project.id} selection={selection} count={count} members={members.data ?? []} batches={batches.data ?? []} onDone={clear} />}
        />
      )}
      <Table<Task>
        size="small"
        rowKey="id"
        data-testid="task-grid"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('tasks:empty') }}
        rowSelection={
          manager
            ? {
                selectedRowKeys: allMatching ? ids : selected,
                onChange: (keys) => {
                  setAllMatching(false)
                  setSelected(keys as number[])
                },
              }
            : undefined
        }
        columns={[
          {
            title: t('tasks:column.image'),
            width: 96,
            render: (_, task) => {
              const src = thumbs.data?.get(task.id)
              return src ? <Image src={src} width={80} height={60} style={{ objectFit: 'cover', borderRadius: 4 }} alt={task.filename} preview={false} /> : <div style={{ width: 80, height: 60, background: '#f0f0f0', borderRadius: 4 }} />
            },
          },
          { title: '#', dataIndex: 'id', width: 70, render: (id: number) => <a href={routeHref({ name: 'task', projectId: project.id, taskId: id })}>{id}</a> },
          { title: t('tasks:column.file'), dataIndex: 'filename', ellipsis: true },
          { title: t('tasks:column.state'), dataIndex: 'state', render: (s: Task['state']) => <span className={`pill pill-${s}`}>{t(`projects:state.${s}`)}</span> },
          { title: t('tasks:column.assignee'), render: (_, task) => nameOf(task.assignee_id) },
          { title: t('tasks:column.batch'), render: (_, task) => batchOf(task.batch_id) },
          { title: t('tasks:column.prediction'), render: (_, task) => (task.has_prediction ? <Tag color="purple">{t('tasks:column.hasPrediction')}</Tag> : null) },
          { title: t('tasks:column.updated'), render: (_, task) => (task.updated_at ? new Date(task.updated_at).toLocaleString(i18n.language) : '') },
        ]}
      />
      {list.hasNextPage && (
        <Button block style={{ marginTop: 8 }} onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {t('tasks:loadMore', { shown: rows.length, total })}
        </Button>
      )}
    </Card>
  )
}
