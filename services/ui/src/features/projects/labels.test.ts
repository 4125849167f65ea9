import { describe, expect, it } from 'vitest'
import { isTagOnly } from '../../editor/types'
import { labelName, toEditorLabels } from './labels'

describe('label names', () => {
  const label = { value: 'crack', names: { 'zh-CN': '裂纹', en: 'Crack' }, color: '#ff0000', hotkey: '1', tools: ['bbox' as const] }

  it('picks the locale, then English, then the value', () => {
    expect(labelName(label, 'zh-CN')).toBe('裂纹')
    expect(labelName(label, 'en')).toBe('Crack')
    expect(labelName({ ...label, names: { en: 'Crack' } }, 'zh-CN')).toBe('Crack')
    expect(labelName({ ...label, names: {} }, 'zh-CN')).toBe('crack')
  })

  it('keeps the tag tool, so a tag-only label never draws shapes', () => {
    const [tag] = toEditorLabels([{ ...label, value: 'ok', tools: ['tag'] }], 'en')
    expect(isTagOnly(tag)).toBe(true)
    expect(isTagOnly(toEditorLabels([label], 'en')[0])).toBe(false)
  })

  it('gives every label a colour', () => {
    expect(toEditorLabels([{ ...label, color: '' }], 'en')[0].color).toMatch(/^#/)
  })
})
