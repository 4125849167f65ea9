// The label schema builder: labels in order, a live preview of the annotators' picker, versions, and
// "import a Label Studio config". Saving writes a new schema version; stored values never change.
import { zodResolver } from '@hookform/resolvers/zod'
import { useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Form } from 'antd'
import { useEffect, useState } from 'react'
import { useFieldArray, useForm, useWatch, type FieldPath } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { labelSchema } from '../../api/endpoints'
import type { Label } from '../../api/types'
import { errorMessage } from '../../components/errors'
import { fieldErrors } from '../../components/fieldErrors'
import { keys } from '../workspace/queries'
import type { WorkspaceTabProps } from '../workspace/types'
import { LabelCard } from './LabelCard'
import { LabelStudioImport } from './LabelStudioImport'
import { PickerPreview } from './PickerPreview'
import { formField, newRow, PLACE_BY_CODE, schemaFormSchema, toLabelInput, toRow, type SchemaFormValues } from './schemaForm'
import { SchemaVersions } from './SchemaVersions'
import './schema.css'

const PREVIEW_DELAY_MS = 400

export function LabelsTab({ project }: WorkspaceTabProps) {
  const { t } = useTranslation(['schema', 'forms'])
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [formError, setFormError] = useState<string | null>(null)
  const [preview, setPreview] = useState<Label[] | null>(null)
  const { control, handleSubmit, setError, reset, formState } = useForm<SchemaFormValues>({
    resolver: zodResolver(schemaFormSchema),
    defaultValues: { labels: project.labels.map(toRow) },
  })
  const { fields, append, move, remove } = useFieldArray({ control, name: 'labels' })
  const rows = useWatch({ control, name: 'labels' })

  // what the API would store (generated values filled in), a moment after the last keystroke
  const previewBody = JSON.stringify(rows.filter((r) => r.zh.trim() || r.en.trim() || r.value).map(toLabelInput))
  useEffect(() => {
    let live = true
    const timer = window.setTimeout(() => {
      labelSchema
        .preview(project.id, JSON.parse(previewBody) as ReturnType<typeof toLabelInput>[])
        .then((r) => {
          if (!live) return
          setPreview(r.labels)
          setFormError(null) // the form changed since the last save: its message no longer applies
        })
        .catch(() => live && setPreview(null))
    }, PREVIEW_DELAY_MS)
    return () => {
      live = false
      window.clearTimeout(timer)
    }
  }, [previewBody, project.id])

  // preview labels line up with the rows that have a name
  const named = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.zh.trim() || r.en.trim() || r.value)
  const previewValue = (i: number) => {
    const at = named.findIndex((n) => n.i === i)
    return at >= 0 ? preview?.[at]?.value : undefined
  }
  const pickerLabels: Label[] = preview ?? named.map(({ r }) => ({ ...toLabelInput(r), value: r.value || '?' }) as Label)

  const loaded = async (labels: Label[], version: number) => {
    reset({ labels: labels.map(toRow) })
    await queryClient.invalidateQueries({ queryKey: keys.project(project.id) })
    await queryClient.invalidateQueries({ queryKey: keys.schemaVersions(project.id) })
    void message.success(t('savedVersion', { version }))
  }

  const save = handleSubmit(
    async (values) => {
      setFormError(null)
      try {
        const saved = await labelSchema.save(project.id, values.labels.map(toLabelInput))
        await loaded(saved.labels, saved.version)
      } catch (error) {
        const placed = fieldErrors(error, PLACE_BY_CODE)
        for (const f of placed) setError(formField(f.field) as FieldPath<SchemaFormValues>, { message: f.message })
        setFormError(placed.length ? t('forms:checkFields') : errorMessage(error))
      }
    },
    () => setFormError(t('forms:checkFields')),
  )

  return (
    <div className="schema-builder">
      <div className="schema-main">
        <div className="schema-toolbar">
          <p className="muted">{t('intro')}</p>
          <LabelStudioImport project={project} onApplied={(labels, version) => void loaded(labels, version)} />
        </div>
        <Form layout="vertical" onFinish={() => void save()} data-testid="schema-form">
          {fields.length === 0 && <Alert type="info" showIcon title={t('empty')} style={{ marginBottom: 12 }} />}
          {fields.map((f, i) => (
            <LabelCard key={f.id} index={i} count={fields.length} control={control} previewValue={previewValue(i)} onMove={(to) => move(i, to)} onRemove={() => remove(i)} />
          ))}
          {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 12 }} data-testid="form-error" />}
          <div className="actions">
            <Button onClick={() => append(newRow(fields.length))} data-testid="add-label">
              {t('addLabel')}
            </Button>
            <Button type="primary" htmlType="submit" loading={formState.isSubmitting} disabled={!formState.isDirty} data-testid="save-schema">
              {t('save')}
            </Button>
          </div>
        </Form>
      </div>
      <aside className="schema-aside">
        <PickerPreview labels={pickerLabels} />
        <SchemaVersions projectId={project.id} current={project.label_schema_version} />
      </aside>
    </div>
  )
}
