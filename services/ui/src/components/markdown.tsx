// A small Markdown subset rendered to React elements (never to HTML strings), so instructions cannot inject
// markup or scripts, and no image is loaded from anywhere: headings, paragraphs, lists, quotes, code, rules,
// **bold**, *italic*, `code`, and links to http(s) or same-origin paths.
import { Fragment, type ReactNode } from 'react'

const INLINE = /(\*\*[^*]+\*\*|\*[^*\s][^*]*\*|`[^`]+`|\[[^\]]+\]\([^)\s]+\))/

export function safeHref(href: string): string | null {
  return /^(https?:\/\/|\/|#|\.\/)/i.test(href) ? href : null
}

export function inline(text: string, keyPrefix = ''): ReactNode[] {
  return text.split(INLINE).map((part, i) => {
    const key = `${keyPrefix}${i}`
    if (part.startsWith('**') && part.endsWith('**') && part.length > 4) return <strong key={key}>{inline(part.slice(2, -2), `${key}-`)}</strong>
    if (part.startsWith('`') && part.endsWith('`') && part.length > 2) return <code key={key}>{part.slice(1, -1)}</code>
    if (part.startsWith('*') && part.endsWith('*') && part.length > 2) return <em key={key}>{inline(part.slice(1, -1), `${key}-`)}</em>
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part)
    if (link) {
      const href = safeHref(link[2])
      return href ? (
        <a key={key} href={href} target={href.startsWith('#') ? undefined : '_blank'} rel="noreferrer noopener">
          {link[1]}
        </a>
      ) : (
        <Fragment key={key}>{link[1]}</Fragment>
      )
    }
    return <Fragment key={key}>{part}</Fragment>
  })
}

type Block = { kind: 'h'; level: number; text: string } | { kind: 'p' | 'quote'; lines: string[] } | { kind: 'ul' | 'ol'; items: string[] } | { kind: 'code'; text: string } | { kind: 'hr' }

export function parseBlocks(source: string): Block[] {
  const blocks: Block[] = []
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.startsWith('```')) {
      const body: string[] = []
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i])
      blocks.push({ kind: 'code', text: body.join('\n') })
      continue
    }
    const last = blocks[blocks.length - 1]
    const heading = /^(#{1,4})\s+(.*)$/.exec(line)
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line)
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line)
    const quote = /^>\s?(.*)$/.exec(line)
    if (!line.trim()) blocks.push({ kind: 'p', lines: [] })
    else if (/^(-{3,}|\*{3,})\s*$/.test(line)) blocks.push({ kind: 'hr' })
    else if (heading) blocks.push({ kind: 'h', level: heading[1].length, text: heading[2] })
    else if (bullet && last?.kind === 'ul') last.items.push(bullet[1])
    else if (bullet) blocks.push({ kind: 'ul', items: [bullet[1]] })
    else if (numbered && last?.kind === 'ol') last.items.push(numbered[1])
    else if (numbered) blocks.push({ kind: 'ol', items: [numbered[1]] })
    else if (quote && last?.kind === 'quote') last.lines.push(quote[1])
    else if (quote) blocks.push({ kind: 'quote', lines: [quote[1]] })
    else if (last?.kind === 'p' && last.lines.length) last.lines.push(line)
    else blocks.push({ kind: 'p', lines: [line] })
  }
  return blocks.filter((b) => !(b.kind === 'p' && b.lines.length === 0))
}

export function Markdown({ source, testId }: { source: string; testId?: string }) {
  return (
    <div className="markdown" data-testid={testId}>
      {parseBlocks(source).map((b, i) => {
        switch (b.kind) {
          case 'h': {
            const Tag = (['h3', 'h4', 'h5', 'h6'] as const)[b.level - 1]
            return <Tag key={i}>{inline(b.text)}</Tag>
          }
          case 'p':
            return <p key={i}>{b.lines.map((l, j) => <Fragment key={j}>{j > 0 && <br />}{inline(l, `${j}-`)}</Fragment>)}</p>
          case 'quote':
            return <blockquote key={i}>{inline(b.lines.join(' '))}</blockquote>
          case 'ul':
            return <ul key={i}>{b.items.map((item, j) => <li key={j}>{inline(item)}</li>)}</ul>
          case 'ol':
            return <ol key={i}>{b.items.map((item, j) => <li key={j}>{inline(item)}</li>)}</ol>
          case 'code':
            return <pre key={i}><code>{b.text}</code></pre>
          case 'hr':
            return <hr key={i} />
        }
      })}
    </div>
  )
}
