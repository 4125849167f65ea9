// "Import a Label Studio labeling config": paste or pick the XML, see what each label becomes, then apply.
import { Alert, Button, Form, Input, Modal, Select, Table, Tag, Upload } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { labelSchema } from '../../api/endpoints'
import type { Label, Project } from '../../api/types'
import { errorMessage } from '../../components/errors'
import { LOCALES } from '../../i18n'

const MAX_CONFIG_BYTES = 500_000

export function LabelStudioImport({ project, onApplied }: { project: Project; onApplied: (labels: Label[], version: number) => void }) {
  const { t } = useTranslation(['schema', 'forms'])
  const [open, setOpen] = useState(false)
  const [config, setConfig] = useState('')
  const [locale, setLocale] = useState(project.default_locale === 'en' ? 'en' : 'zh-CN')
  const [mapping, setMapping] = useState<Label[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const close = () => {
    setOpen(false)
    setMapping(null)
    setError(null)
  }
  const run = async (apply: boolean) => {
    setBusy(true)
    setError(null)
    try {
      if (apply) {
        const saved = await labelSchema.importLabelStudio(project.id, config, locale)
        onApplied(saved.labels, saved.version)
        close()
        setConfig('')
      } else {
        setMapping((await labelSchema.previewLabelStudio(project.id, config, locale)).labels)
      }
    } catch (e) {
      setMapping(null)
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="ls-import">
        {t('ls.button')}
      </Button>
      <Modal
        open={open}
        width={760}
        title={t('ls.title')}
        onCancel={close}
        destroyOnHidden
        footer={[
          <Button key="cancel" onClick={close}>
            {t('forms:cancel')}
          </Button>,
          <Button key="preview" onClick={() => void run(false)} disabled={!config.trim()} loading={busy && !mapping} data-testid="ls-preview">
            {t('ls.preview')}
          </Button>,
          <Button key="apply" type="primary" onClick={() => void run(true)} disabled={!mapping} loading={busy && !!mapping} data-testid="ls-apply">
            {t('ls.apply')}
          </Button>,
        ]}
      >
        <p className="muted">{t('ls.help')}</p>
        <Form layout="vertical">
          <Form.Item label={t('ls.config')} validateStatus={error ? 'error' : undefined} help={error ?? undefined} htmlFor="ls-config">
            <Input.TextArea
              id="ls-config"
              value={config}
              onChange={(e) => {
                setConfig(e.target.value)
                setMapping(null)
              }}
              autoSize={{ minRows: 6, maxRows: 14 }}
              placeholder={'<View>\n  <Image name="image" value="$image"/>\n  <RectangleLabels name="label" toName="image">\n    <Label value="裂纹" alias="crack"/>\n  </RectangleLabels>\n</View>'}
              data-testid="ls-config"
            />
          </Form.Item>
          <div className="form-row">
            <Form.Item label={t('ls.file')}>
              <Upload
                accept=".xml,text/xml"
                maxCount={1}
                showUploadList={false}
                beforeUpload={(file) => {
                  if (file.size > MAX_CONFIG_BYTES) setError(t('ls.tooBig'))
                  else
                    void file.text().then((text) => {
                      setConfig(text)
                      setMapping(null)
                      setError(null)
                    })
                  return false
                }}
              >
                <Button data-testid="ls-file">{t('ls.chooseFile')}</Button>
              </Upload>
            </Form.Item>
            <Form.Item label={t('ls.locale')} extra={t('ls.localeHelp')}>
              <Select value={locale} onChange={setLocale} style={{ width: 160 }} options={LOCALES.map((l) => ({ value: l, label: l === 'en' ? 'English' : '中文' }))} />
            </Form.Item>
          </div>
        </Form>
        {mapping && (
          <>
            <Alert type="warning" showIcon title={t('ls.replaces', { count: project.labels.length })} style={{ marginBottom: 8 }} />
            <Table<Label>
              size="small"
              rowKey="value"
              pagination={false}
              data-testid="ls-mapping"
              dataSource={mapping}
              columns={[
                { title: t('ls.colName'), render: (_, l) => (<span><span className="swatch" style={{ background: l.color, marginRight: 6 }} />{Object.entries(l.names).map(([k, v]) => `${v} (${k})`).join(' · ')}</span>) },
                { title: t('ls.colValue'), render: (_, l) => <code>{l.value}</code> },
                { title: t('ls.colTools'), render: (_, l) => l.tools.map((tool) => <Tag key={tool}>{t(`tools.${tool}`)}</Tag>) },
                { title: t('ls.colHotkey'), render: (_, l) => l.hotkey ?? '' },
                { title: t('ls.colAliases'), render: (_, l) => (l.aliases ?? []).join(', ') },
              ]}
            />
          </>
        )}
      </Modal>
    </>
  )
}
