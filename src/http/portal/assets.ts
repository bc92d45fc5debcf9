// The files the portal page loads, all served by Weir itself (nothing comes from a CDN): Swagger
// UI's bundle and stylesheet from the swagger-ui-dist package, and the portal's own script and
// stylesheet. Read on first use, kept in memory with their gzip form and an ETag.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { gzipSync } from 'node:zlib'

export interface Asset {
  body: Buffer
  gzip: Buffer
  type: string
  etag: string
}

const require = createRequire(import.meta.url)

function swaggerUiFile(name: string): () => Buffer {
  return () =>
    readFileSync(path.join(path.dirname(require.resolve('swagger-ui-dist/package.json')), name))
}

function ownFile(name: string): () => Buffer {
  return () => readFileSync(new URL(`./page/${name}`, import.meta.url))
}

const sources: Record<string, { read: () => Buffer; type: string }> = {
  'swagger-ui-bundle.js': {
    read: swaggerUiFile('swagger-ui-bundle.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'swagger-ui.css': { read: swaggerUiFile('swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'portal.js': { read: ownFile('portal.js'), type: 'text/javascript; charset=utf-8' },
  'portal.css': { read: ownFile('portal.css'), type: 'text/css; charset=utf-8' },
}

const loaded = new Map<string, Asset>()

/** The asset of that file name, or undefined when there is none. */
export function asset(name: string): Asset | undefined {
  if (!Object.hasOwn(sources, name)) return undefined
  let found = loaded.get(name)
  if (found === undefined) {
    const source = sources[name] as { read: () => Buffer; type: string }
    const body = source.read()
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
    found = { body, gzip: gzipSync(body), type: source.type, etag }
    loaded.set(name, found)
  }
  return found
}
