// Workspace tab "import": files (drag-and-drop, folders, zips), an S3 prefix or a URL list, as plain images
// or a dataset format with its pre-annotations; the job panel below shows progress and refusals.
import { zodResolver } from '@hookform/resolvers/zod'
import { Card, Form, Tabs } from 'antd'
import { useForm, useWatch } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import type { WorkspaceTabProps } from '../workspace/types'
import { FileUpload } from './FileUpload'
import { ImportJobs } from './ImportJobs'
import { ImportOptionsFields, defaultOptions, optionsSchema, type OptionsValues } from './ImportOptionsFields'
import { S3Import, UrlImport } from './RemoteImport'

export function ImportTab({ project }: WorkspaceTabProps) {
  const { t } = useTranslation('imports')
  const options = useForm<OptionsValues>({ resolver: zodResolver(optionsSchema), defaultValues: defaultOptions })
  const format = useWatch({ control: options.control, name: 'format' })
  return (
    <div data-testid="tab-import">
      <Card size="small" title={t('title')}>
        <Form layout="vertical" component="div">
          <ImportOptionsFields control={options.control} errors={options.formState.errors} projectId={project.id} format={format} />
        </Form>
        <Tabs
          items={[
            { key: 'files', label: t('source.files'), children: <FileUpload projectId={project.id} handleSubmit={options.handleSubmit} /> },
            { key: 's3', label: t('source.s3'), children: <S3Import projectId={project.id} handleSubmit={options.handleSubmit} /> },
            { key: 'urls', label: t('source.urls'), children: <UrlImport projectId={project.id} handleSubmit={options.handleSubmit} /> },
          ]}
        />
      </Card>
      <ImportJobs projectId={project.id} />
    </div>
  )
}
