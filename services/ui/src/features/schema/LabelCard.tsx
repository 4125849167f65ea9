// One label in the schema builder: names per locale, generated stored value, colour, hotkey, tools, skeleton.
import { Button, Checkbox, ColorPicker, Form, Input, Tag, Tooltip } from 'antd'
import { Controller, useFormState, useWatch, type Control } from 'react-hook-form'
import { useTranslation } from 'react-i18next'
import { SkeletonEditor } from './SkeletonEditor'
import { TOOLS, type SchemaFormValues } from './schemaForm'

interface Props {
  index: number
  count: number
  control: Control<SchemaFormValues>
  /** the value the API would store (from the preview), for a label that has none yet */
  previewValue?: string
  onMove: (to: number) => void
  onRemove: () => void
}

export function LabelCard({ index, count, control, previewValue, onMove, onRemove }: Props) {
  const { t } = useTranslation(['schema', 'forms', 'errors'])
  const { errors } = useFormState({ control, name: `labels.${index}` })
  const row = useWatch({ control, name: `labels.${index}` })
  const err = errors.labels?.[index]
  const tr = (message?: string) => (message ? (/^[a-z]+:/.test(message) ? t(message as 'forms:required') : message) : undefined)
  const status = (e?: { message?: string }) => (e ? { validateStatus: 'error' as const, help: tr(e.message) } : {})
  const id = (f: string) => `label-${index}-${f}`

  return (
    <div className="card label-card" data-testid="label-card">
      <div className="label-card-head">
        <span className="swatch" style={{ background: row?.color }} />
        <strong>{row?.zh || row?.en || t('untitled')}</strong>
        <span className="label-value" data-testid="label-value">
          {row?.value ? <code>{row.value}</code> : previewValue ? <Tooltip title={t('valueGeneratedHelp')}><code>{previewValue}</code> <Tag>{t('valueGenerated')}</Tag></Tooltip> : null}
        </span>
        <span className="label-card-actions">
          <Button size="small" type="text" disabled={index === 0} onClick={() => onMove(index - 1)} aria-label={t('moveUp')} data-testid="move-up">↑</Button>
          <Button size="small" type="text" disabled={index === count - 1} onClick={() => onMove(index + 1)} aria-label={t('moveDown')} data-testid="move-down">↓</Button>
          <Button size="small" type="text" danger onClick={onRemove} data-testid="remove-label">{t('forms:delete')}</Button>
        </span>
      </div>
      <div className="form-row">
        <Form.Item label={t('nameZh')} htmlFor={id('zh')} {...status(err?.zh)}>
          <Controller name={`labels.${index}.zh`} control={control} render={({ field }) => <Input {...field} id={id('zh')} placeholder="裂纹" data-testid="name-zh" />} />
        </Form.Item>
        <Form.Item label={t('nameEn')} htmlFor={id('en')} {...status(err?.en)}>
          <Controller name={`labels.${index}.en`} control={control} render={({ field }) => <Input {...field} id={id('en')} placeholder="Crack" data-testid="name-en" />} />
        </Form.Item>
        {!row?.locked && (
          <Form.Item label={t('value')} htmlFor={id('value')} extra={t('valueHelp')} {...status(err?.value)}>
            <Controller name={`labels.${index}.value`} control={control} render={({ field }) => <Input {...field} id={id('value')} placeholder={previewValue || t('valueAuto')} data-testid="value" />} />
          </Form.Item>
        )}
      </div>
      <div className="form-row">
        <Form.Item label={t('color')} {...status(err?.color)}>
          <Controller name={`labels.${index}.color`} control={control} render={({ field }) => <ColorPicker value={field.value} onChange={(c) => field.onChange(c.toHexString())} showText disabledAlpha presets={[]} />} />
        </Form.Item>
        <Form.Item label={t('hotkey')} htmlFor={id('hotkey')} {...status(err?.hotkey)}>
          <Controller name={`labels.${index}.hotkey`} control={control} render={({ field }) => <Input {...field} id={id('hotkey')} style={{ width: 80 }} maxLength={16} data-testid="hotkey" />} />
        </Form.Item>
        <Form.Item label={t('tools.title')} {...status(err?.tools)}>
          <Controller
            name={`labels.${index}.tools`}
            control={control}
            render={({ field }) => <Checkbox.Group value={field.value} onChange={(v) => field.onChange(TOOLS.filter((tool) => v.includes(tool)))} options={TOOLS.map((tool) => ({ value: tool, label: t(`tools.${tool}`) }))} data-testid="tools" />}
          />
        </Form.Item>
      </div>
      {row?.tools.includes('keypoints') && (
        <Form.Item label={t('skeleton.title')} {...status(err?.points)}>
          <Controller
            name={`labels.${index}.points`}
            control={control}
            render={({ field }) => (
              <Controller
                name={`labels.${index}.edges`}
                control={control}
                render={({ field: edges }) => (
                  <SkeletonEditor
                    idPrefix={id('skeleton')}
                    points={field.value}
                    edges={edges.value}
                    onChange={(points, newEdges) => {
                      field.onChange(points)
                      edges.onChange(newEdges)
                    }}
                  />
                )}
              />
            )}
          />
        </Form.Item>
      )}
      {row && row.aliases.length > 0 && (
        <p className="muted small">
          {t('aliases')}: {row.aliases.join(', ')}
        </p>
      )}
    </div>
  )
}
