// Who works in the project: role, last activity; change a role, remove someone; pending invites (revoke),
// and a new invite link to copy.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Popconfirm, Select, Table, Tag } from 'antd'
import { useTranslation } from 'react-i18next'
import { invites as invitesApi, projects as projectsApi } from '../../api/endpoints'
import type { Invite, Member, Role } from '../../api/types'
import { useSession } from '../../app/session'
import { ErrorMessage } from '../../components/ErrorMessage'
import { errorMessage } from '../../components/errors'
import { InvitePanel } from '../projects/InvitePanel'
import { keys } from '../workspace/queries'
import type { WorkspaceTabProps } from '../workspace/types'

const GRANTABLE: Record<Role, Role[]> = { admin: ['annotator', 'reviewer', 'manager', 'admin'], manager: ['annotator', 'reviewer', 'manager'], reviewer: [], annotator: [] }

export function isPending(invite: Invite, now = Date.now()): boolean {
  return !invite.revoked && invite.uses < invite.max_uses && new Date(invite.expires_at).getTime() > now
}

export function MembersTab({ project, role }: WorkspaceTabProps) {
  const { t, i18n } = useTranslation(['members', 'common', 'forms'])
  const { user } = useSession()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const members = useQuery({ queryKey: keys.members(project.id), queryFn: () => projectsApi.members(project.id) })
  const invites = useQuery({ queryKey: keys.invites(project.id), queryFn: () => invitesApi.list(project.id) })
  const grantable = user.is_admin ? GRANTABLE.admin : GRANTABLE[role]
  const when = (iso?: string | null) => (iso ? new Date(iso).toLocaleString(i18n.language) : t('never'))

  const act = async (work: Promise<unknown>, done: string) => {
    try {
      await work
      void message.success(done)
    } catch (error) {
      void message.error(errorMessage(error))
    }
    await queryClient.invalidateQueries({ queryKey: keys.members(project.id) })
    await queryClient.invalidateQueries({ queryKey: keys.invites(project.id) })
  }

  const pending = (invites.data ?? []).filter((i) => isPending(i))
  return (
    <>
      <Card title={t('title')} style={{ marginBottom: 16 }}>
        <ErrorMessage error={members.error} onRetry={() => void members.refetch()} />
        <Table<Member>
          data-testid="member-list"
          rowKey="user_id"
          size="middle"
          loading={members.isPending}
          pagination={false}
          dataSource={members.data ?? []}
          locale={{ emptyText: t('empty') }}
          columns={[
            { title: t('name'), render: (_, m) => (<span><strong>{m.display_name}</strong> <span className="muted">{m.email}</span></span>) },
            {
              title: t('role'),
              render: (_, m) =>
                m.user_id !== user.id && grantable.includes(m.role) ? (
                  <Select<Role>
                    size="small"
                    value={m.role}
                    style={{ width: 140 }}
                    aria-label={t('role')}
                    data-testid={`role-${m.user_id}`}
                    onChange={(r) => void act(projectsApi.changeRole(project.id, m.user_id, r), t('roleChanged'))}
                    options={grantable.map((r) => ({ value: r, label: t(`common:role.${r}`) }))}
                  />
                ) : (
                  <Tag>{t(`common:role.${m.role}`)}</Tag>
                ),
            },
            { title: t('lastActive'), render: (_, m) => <span className="muted">{when(m.last_active_at)}</span> },
            {
              title: '',
              align: 'right',
              render: (_, m) =>
                m.user_id !== user.id && grantable.includes(m.role) ? (
                  <Popconfirm title={t('removeConfirm', { name: m.display_name })} okText={t('remove')} cancelText={t('forms:cancel')} okButtonProps={{ danger: true }} onConfirm={() => act(projectsApi.removeMember(project.id, m.user_id), t('removed'))}>
                    <Button size="small" danger data-testid={`remove-${m.user_id}`}>
                      {t('remove')}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      </Card>
      <InvitePanel projectId={project.id} myRole={user.is_admin ? 'admin' : role} onCreated={() => void queryClient.invalidateQueries({ queryKey: keys.invites(project.id) })} />
      <Card title={t('pending', { count: pending.length })} data-testid="pending-invites">
        <ErrorMessage error={invites.error} />
        <Table<Invite>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={pending}
          locale={{ emptyText: t('noPending') }}
          columns={[
            { title: t('role'), render: (_, i) => <Tag>{t(`common:role.${i.role}`)}</Tag> },
            { title: t('inviteEmail'), render: (_, i) => i.email ?? <span className="muted">{t('anyone')}</span> },
            { title: t('uses'), render: (_, i) => `${i.uses} / ${i.max_uses}` },
            { title: t('expires'), render: (_, i) => when(i.expires_at) },
            {
              title: '',
              align: 'right',
              render: (_, i) => (
                <Popconfirm title={t('revokeConfirm')} okText={t('revoke')} cancelText={t('forms:cancel')} okButtonProps={{ danger: true }} onConfirm={() => act(invitesApi.revoke(project.id, i.id), t('revoked'))}>
                  <Button size="small" data-testid={`revoke-${i.id}`}>
                    {t('revoke')}
                  </Button>
                </Popconfirm>
              ),
            },
          ]}
        />
        <p className="muted small" style={{ marginTop: 8 }}>{t('linkOnce')}</p>
      </Card>
    </>
  )
}
