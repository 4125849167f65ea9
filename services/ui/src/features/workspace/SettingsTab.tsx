// Edit the project; archive/restore it; delete it (platform admins) after typing its name.
import { useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Input, Modal, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi } from '../../api/endpoints'
import { navigate } from '../../app/router'
import { useSession } from '../../app/session'
import { errorMessage } from '../../components/errors'
import { ProjectForm } from './ProjectForm'
import { keys } from './queries'
import type { WorkspaceTabProps } from './types'

export function SettingsTab({ project }: WorkspaceTabProps) {
  const { t } = useTranslation(['workspace', 'forms'])
  const { user } = useSession()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [deleting, setDeleting] = useState(false)
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: keys.project(project.id) })
    await queryClient.invalidateQueries({ queryKey: keys.projects })
  }

  const setArchived = async (archived: boolean) => {
    setBusy(true)
    try {
      await projectsApi.update(project.id, { archived })
      await refresh()
      void message.success(archived ? t('settings.archivedDone') : t('settings.restoredDone'))
    } catch (error) {
      void message.error(errorMessage(error))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    setBusy(true)
    try {
      await projectsApi.remove(project.id)
      queryClient.removeQueries({ queryKey: keys.project(project.id) })
      await queryClient.invalidateQueries({ queryKey: keys.projects })
      void message.success(t('settings.deleted'))
      navigate({ name: 'projects' })
    } catch (error) {
      void message.error(errorMessage(error))
      setBusy(false)
    }
  }

  return (
    <>
      <Card title={t('settings.title')} style={{ marginBottom: 16 }}>
        <ProjectForm
          key={project.id}
          initial={project}
          submitLabel={t('forms:save')}
          onSubmit={async (input) => {
            await projectsApi.update(project.id, input)
            await refresh()
            void message.success(t('settings.saved'))
          }}
        />
      </Card>
      <Card title={t('settings.danger')} className="danger-zone" data-testid="danger-zone">
        <div className="danger-row">
          <div>
            <strong>{project.archived_at ? t('settings.restore') : t('settings.archiveTitle')}</strong>
            <p className="muted">{project.archived_at ? t('settings.restoreHelp') : t('settings.archiveHelp')}</p>
          </div>
          <Button loading={busy} onClick={() => void setArchived(!project.archived_at)} data-testid="archive-project">
            {project.archived_at ? t('settings.restore') : t('settings.archive')}
          </Button>
        </div>
        {user.is_admin && (
          <div className="danger-row">
            <div>
              <strong>{t('settings.deleteTitle')}</strong>
              <p className="muted">{t('settings.deleteHelp')}</p>
            </div>
            <Button danger onClick={() => setDeleting(true)} data-testid="delete-project">
              {t('forms:delete')}
            </Button>
          </div>
        )}
      </Card>
      <Modal
        open={deleting}
        title={t('settings.deleteConfirmTitle', { name: project.name })}
        okText={t('forms:delete')}
        cancelText={t('forms:cancel')}
        okButtonProps={{ danger: true, disabled: typed !== project.name, loading: busy, ...{ 'data-testid': 'confirm-delete' } }}
        onOk={() => void remove()}
        onCancel={() => {
          setDeleting(false)
          setTyped('')
        }}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('settings.deleteConfirmText')}</Typography.Paragraph>
        <Typography.Paragraph code copyable={false}>
          {project.name}
        </Typography.Paragraph>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          data-testid="delete-confirm-name"
          aria-label={t('settings.deleteConfirmText')}
          status={typed && !project.name.startsWith(typed) ? 'error' : undefined}
        />
        {typed && !project.name.startsWith(typed) && <p className="field-error">{t('settings.deleteMismatch')}</p>}
      </Modal>
    </>
  )
}
