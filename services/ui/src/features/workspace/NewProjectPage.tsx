// Admins create a project here, then land on its labels tab (the next thing to do).
import { useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { projects as projectsApi } from '../../api/endpoints'
import { navigate } from '../../app/router'
import { ProjectForm } from './ProjectForm'
import { keys } from './queries'

export function NewProjectPage() {
  const { t } = useTranslation(['workspace', 'projects'])
  const queryClient = useQueryClient()
  return (
    <section>
      <p className="crumbs">
        <a href="#/">{t('projects:list.title')}</a> /
      </p>
      <h1>{t('create.title')}</h1>
      <p className="muted">{t('create.next')}</p>
      <div className="card">
        <ProjectForm
          submitLabel={t('create.submit')}
          onCancel={() => navigate({ name: 'projects' })}
          onSubmit={async (input) => {
            const project = await projectsApi.create(input)
            await queryClient.invalidateQueries({ queryKey: keys.projects })
            navigate({ name: 'project', projectId: project.id, tab: 'labels' })
          }}
        />
      </div>
    </section>
  )
}
