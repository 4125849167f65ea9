// Prints the CSP source list ('sha256-…' …) for the inline scripts of a built index.html, so the UI image's
// nginx allows exactly those (the API computes the same list when it serves the UI itself).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

const html = readFileSync(process.argv[2])
const inline = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi
const hashes = []
for (const match of html.toString('latin1').matchAll(inline)) {
  const body = Buffer.from(match[1], 'latin1')
  hashes.push(`'sha256-${createHash('sha256').update(body).digest('base64')}'`)
}
process.stdout.write(hashes.join(' '))
