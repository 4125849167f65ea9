// Drag-and-drop of images, folders and zips (or the file pickers): declared as one import job, then sent
// file by file with progress; retries on a lost connection, and says clearly which files did not arrive.
import { Alert, Button, Form, Progress, Space, Table, Tag, Typography, Upload } from 'antd'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import type { UseFormHandleSubmit } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../../api/http'
import { ErrorMessage } from '../../components/ErrorMessage'
import { formatBytes } from '../../components/JobProgress'
import { errorMessage } from '../../components/errors'
import { importsApi, type UploadJob } from './api'
import { toApiOptions, type OptionsValues } from './ImportOptionsFields'
import { sendWithXhr, uploadAll, type FileProgress } from './uploader'

export interface Chosen {
  file: File
  /** the path inside a dropped folder, else the file name */
  path: string
}

export function pathOf(file: File): string {
  return file.webkitRelativePath || file.name
}

/** Sends the waiting files of `job` from `chosen` (matched by number) and updates `progress` as it goes. */
export function useUploader(projectId: number) {
  const [progress, setProgress] = useState<FileProgress[]>([])
  const [busy, setBusy] = useState(false)
  const abort = useRef<AbortController | null>(null)
  const run = async (job: UploadJob, files: Map<number, File>, initial: FileProgress[]) => {
    const controller = new AbortController()
    abort.current = controller
    setBusy(true)
    setProgress(initial)
    try {
      return await uploadAll(initial, (n, onProgress, signal) => sendWithXhr(importsApi.fileUrl(projectId, job.id, n), files.get(n)!, onProgress, signal), {
        signal: controller.signal,
        onUpdate: (p) => setProgress((all) => all.map((x) => (x.number === p.number ? p : x))),
      })
    } finally {
      setBusy(false)
    }
  }
  return { progress, setProgress, busy, run, cancel: () => abort.current?.abort() }
}

export function FileUpload({ projectId, handleSubmit }: { projectId: number; handleSubmit: UseFormHandleSubmit<OptionsValues> }) {
  const { t } = useTranslation('imports')
  const queryClient = useQueryClient()
  const [chosen, setChosen] = useState<Chosen[]>([])
  const [job, setJob] = useState<UploadJob | null>(null)
  const [error, setError] = useState<unknown>(null)
  const uploader = useUploader(projectId)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['project', projectId, 'imports'] })

  const add = (file: File) => {
    setChosen((all) => (all.some((c) => c.file === file) ? all : [...all, { file, path: pathOf(file) }]))
    return false // collected here; sent by our own uploader
  }

  const start = useMutation({
    mutationFn: (j: UploadJob) => importsApi.start(projectId, j.id),
    onSuccess: (j) => {
      setJob(null)
      setChosen([])
      uploader.setProgress([])
      setError(null)
      void refresh()
      return j
    },
    onError: setError,
  })

  const send = async (j: UploadJob, files: Chosen[]) => {
    const byNumber = new Map(files.map((c, n) => [n, c.file]))
    const initial: FileProgress[] = j.files.map((f) => ({
      number: f.number,
      name: f.name,
      size: f.size,
      loaded: f.uploaded ? f.size : 0,
      attempts: 0,
      status: f.uploaded ? 'done' : f.size > j.max_file_bytes ? 'skipped' : 'waiting',
      code: !f.uploaded && f.size > j.max_file_bytes ? 'file_too_large' : undefined,
    }))
    const results = await uploader.run(j, byNumber, initial)
    if (results.every((r) => r.status !== 'failed')) start.mutate(j)
  }

  const upload = handleSubmit(async (values) => {
    setError(null)
    try {
      const declared = await importsApi.declare(projectId, chosen.map((c) => ({ name: c.path, size: c.file.size })), toApiOptions(values))
      setJob(declared)
      void refresh()
      await send(declared, chosen)
    } catch (e) {
      setError(e)
    }
  })

  const retryFailed = async () => {
    if (!job) return
    const initial = uploader.progress.map((p) => (p.status === 'failed' ? { ...p, status: 'waiting' as const, loaded: 0, code: undefined } : p))
    const results = await uploader.run(job, new Map(chosen.map((c, n) => [n, c.file])), initial)
    if (results.every((r) => r.status !== 'failed')) start.mutate(job)
  }

  const cancel = async () => {
    uploader.cancel()
    if (job) await importsApi.abandon(projectId, job.id).catch(() => undefined)
    setJob(null)
    uploader.setProgress([])
    void refresh()
  }

  const failed = uploader.progress.filter((p) => p.status === 'failed')
  const skipped = uploader.progress.filter((p) => p.status === 'skipped')
  const totalBytes = chosen.reduce((n, c) => n + c.file.size, 0)
  const sentBytes = uploader.progress.reduce((n, p) => n + (p.status === 'skipped' ? 0 : p.loaded), 0)

  return (
    <div data-testid="file-upload">
      <Upload.Dragger multiple directory beforeUpload={add} showUploadList={false} openFileDialogOnClick={false} disabled={!!job} data-testid="drop-zone">
        <p className="ant-upload-drag-icon">
          <svg width={40} height={40} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinecap="round" strokeLinejoin="round" aria-hidden>
            <path d="M12 16V4M7 9l5-5 5 5M4 15v5h16v-5" />
          </svg>
        </p>
        <p className="ant-upload-text">{t('upload.drop')}</p>
        <p className="ant-upload-hint">{t('upload.hint')}</p>
        <Space onClick={(e) => e.stopPropagation()}>
          <Upload multiple beforeUpload={add} showUploadList={false} disabled={!!job}>
            <Button data-testid="choose-files">{t('upload.chooseFiles')}</Button>
          </Upload>
          <Upload directory beforeUpload={add} showUploadList={false} disabled={!!job}>
            <Button>{t('upload.chooseFolder')}</Button>
          </Upload>
        </Space>
      </Upload.Dragger>
      {chosen.length > 0 && (
        <Space style={{ margin: '12px 0' }} wrap>
          <Typography.Text data-testid="chosen-count">{t('upload.chosen', { count: chosen.length, size: formatBytes(totalBytes) })}</Typography.Text>
          {!job && (
            <>
              <Button type="primary" onClick={() => void upload()} data-testid="start-upload">
                {t('upload.start')}
              </Button>
              <Button onClick={() => setChosen([])}>{t('upload.clear')}</Button>
            </>
          )}
          {job && uploader.busy && (
            <Button danger onClick={() => void cancel()} data-testid="cancel-upload">
              {t('upload.cancel')}
            </Button>
          )}
        </Space>
      )}
      {job && <Progress percent={totalBytes ? Math.round((100 * sentBytes) / totalBytes) : 0} data-testid="upload-total" />}
      <ErrorMessage error={error} />
      {skipped.length > 0 && <Alert type="warning" showIcon title={t('upload.skipped', { count: skipped.length, limit: formatBytes(job?.max_file_bytes) })} style={{ marginBottom: 8 }} />}
      {job && !uploader.busy && failed.length > 0 && (
        <Alert
          type="error"
          showIcon
          data-testid="upload-incomplete"
          title={t('upload.incomplete', { count: failed.length })}
          description={failed.map((f) => f.name).join(', ')}
          action={
            <Space orientation="vertical">
              <Button size="small" type="primary" onClick={() => void retryFailed()}>
                {t('upload.retryFailed')}
              </Button>
              <Button size="small" onClick={() => start.mutate(job)} data-testid="import-without">
                {t('upload.importWithout')}
              </Button>
              <Button size="small" danger onClick={() => void cancel()}>
                {t('upload.cancel')}
              </Button>
            </Space>
          }
          style={{ marginBottom: 8 }}
        />
      )}
      {chosen.length > 0 && (
        <Table
          size="small"
          data-testid="upload-files"
          rowKey="key"
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          dataSource={chosen.map((c, n) => ({ key: n, chosen: c, p: uploader.progress.find((x) => x.number === n) }))}
          columns={[
            { title: t('upload.file'), render: (_, r) => <Typography.Text ellipsis style={{ maxWidth: 360 }}>{r.chosen.path}</Typography.Text> },
            { title: t('upload.size'), width: 100, render: (_, r) => formatBytes(r.chosen.file.size) },
            {
              title: t('upload.progress'),
              width: 220,
              render: (_, r) => (r.p ? <Progress size="small" percent={r.p.size ? Math.round((100 * r.p.loaded) / r.p.size) : 100} status={r.p.status === 'failed' ? 'exception' : r.p.status === 'done' ? 'success' : 'active'} /> : null),
            },
            {
              title: t('upload.status'),
              width: 260,
              render: (_, r) =>
                r.p ? (
                  <Space size={4} wrap>
                    <Tag color={r.p.status === 'done' ? 'success' : r.p.status === 'failed' || r.p.status === 'skipped' ? 'error' : 'processing'}>{t(`upload.state.${r.p.status}`)}</Tag>
                    {r.p.code && <Typography.Text type="danger">{errorMessage(new ApiError(0, r.p.code, ''))}</Typography.Text>}
                    {r.p.attempts > 1 && r.p.status !== 'done' && <Typography.Text type="secondary">{t('upload.attempt', { n: r.p.attempts })}</Typography.Text>}
                  </Space>
                ) : null,
            },
          ]}
        />
      )}
      {job && !uploader.busy && failed.length === 0 && start.isPending && <Form.Item>{t('upload.starting')}</Form.Item>}
    </div>
  )
}
