import { describe, expect, it } from 'vitest'
import { en, NAMESPACES, zhCN } from './catalogues'

function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

function value(tree: object, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], tree)
}

// every catalogue file on disk, as locales/<locale>/<namespace>.json
const onDisk = Object.keys(import.meta.glob('./locales/*/*.json')).map((f) => f.replace('./locales/', ''))
const files = (locale: string) => onDisk.filter((f) => f.startsWith(`${locale}/`)).map((f) => f.slice(locale.length + 1)).sort()

describe('translation catalogues', () => {
  it('every namespace file exists in both languages and is loaded', () => {
    expect(files('zh-CN')).toEqual(files('en'))
    expect(files('en')).toEqual(NAMESPACES.map((ns) => `${ns}.json`).sort())
  })

  for (const ns of NAMESPACES) {
    it(`${ns}: zh-CN and en have exactly the same keys`, () => {
      expect(keys(zhCN[ns]).sort()).toEqual(keys(en[ns]).sort())
    })

    it(`${ns}: no translation is empty and placeholders match`, () => {
      for (const key of keys(en[ns])) {
        for (const catalogue of [en[ns], zhCN[ns]]) {
          const v = value(catalogue, key)
          expect(typeof v === 'string' && v.trim().length > 0, `${ns}:${key}`).toBe(true)
        }
        const placeholders = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort()
        expect(placeholders(value(zhCN[ns], key)), `${ns}:${key}`).toEqual(placeholders(value(en[ns], key)))
      }
    })
  }

  it('zh-CN is really Chinese: most strings contain CJK characters', () => {
    const all = NAMESPACES.flatMap((ns) => keys(zhCN[ns]).map((k) => String(value(zhCN[ns], k))))
    const cjk = all.filter((s) => /[\u4e00-\u9fff]/.test(s))
    expect(cjk.length / all.length).toBeGreaterThan(0.9)
  })
})
