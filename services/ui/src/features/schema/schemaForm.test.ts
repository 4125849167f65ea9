import { describe, expect, it } from 'vitest'
import { formField, newRow, schemaFormSchema, toLabelInput, toRow } from './schemaForm'

describe('schema builder form model', () => {
  it('round-trips a stored label, keeping other locales and its value', () => {
    const stored = { value: 'crack', names: { 'zh-CN': '裂纹', en: 'Crack', ja: 'ひび' }, color: '#e4572e', hotkey: '1', tools: ['bbox' as const, 'polygon' as const] }
    const row = toRow(stored)
    expect(row.locked).toBe(true)
    expect(toLabelInput(row)).toEqual({ ...stored, skeleton: null })
  })

  it('sends a Chinese-only new label without a value, for the API to generate one', () => {
    const row = { ...newRow(0), zh: '气孔' }
    expect(toLabelInput(row)).toEqual({ names: { 'zh-CN': '气孔' }, color: row.color, hotkey: '1', tools: ['bbox'], skeleton: null })
  })

  it('asks for a name, a tool, skeleton points and distinct hotkeys', () => {
    const result = schemaFormSchema.safeParse({ labels: [{ ...newRow(0), tools: [] }, { ...newRow(1), zh: 'a', tools: ['keypoints'], hotkey: '1' }] })
    expect(result.success).toBe(false)
    const paths = result.error!.issues.map((i) => `${i.path.join('.')}:${i.message}`).sort()
    expect(paths).toEqual(['labels.0.tools:schema:invalid.tools', 'labels.0.zh:schema:invalid.name', 'labels.1.hotkey:errors:duplicate_hotkey', 'labels.1.points:schema:invalid.points'])
  })

  it('places API paths on form fields', () => {
    expect(formField('labels.2.names')).toBe('labels.2.zh')
    expect(formField('labels.0.skeleton.points')).toBe('labels.0.points')
    expect(formField('labels.1.hotkey')).toBe('labels.1.hotkey')
  })
})
