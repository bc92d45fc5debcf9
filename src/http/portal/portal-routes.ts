// The portal of one http listener (`portal` in its config): the page at its path, the files the
// page loads under `<path>/assets/`, and the OpenAPI and AsyncAPI documents at the root. Produce
// routes are never GET and streams run ahead of hono, so neither is hidden by these (and the
// config refuses a stream on a portal path).
import { readFileSync } from 'node:fs'
import { Hono, type Context } from 'hono'
import { stringify } from 'yaml'
import type { HttpListenerConfig, WeirConfig } from '../../config/index.ts'
import { scriptJson } from '../example-page/example-page.ts'
import type { RegistryClientOptions } from '../../schema/index.ts'
import { asset } from './assets.ts'
import { DocumentCache, withHost } from './document-cache.ts'
import { SchemaSources } from './schema-sources.ts'

/** What the portal needs besides its listener: the whole config (virtual clusters, policies, registries). */
export interface PortalDeps {
  config: WeirConfig
  /** Where relative `schemaFile` paths start: the config file's folder. */
  configDir?: string
  /** For tests: the registry transport, clock... */
  registry?: RegistryClientOptions
}

type PortalOptions = NonNullable<HttpListenerConfig['portal']>

export function portalRoutes(
  listener: HttpListenerConfig,
  options: PortalOptions,
  deps: PortalDeps
): Hono {
  const cache = new DocumentCache({
    listener,
    config: deps.config,
    sources: new SchemaSources(deps.config, { baseDir: deps.configDir, registry: deps.registry }),
    refreshMs: options.schemaRefreshMs,
    serverUrl: '/',
  })
  const documentHeaders = {
    'cache-control': 'no-cache',
    // The documents hold no secret, and tools on other origins read them.
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  }
  const serve =
    (format: 'json' | 'yaml', pick: (c: Context) => Promise<unknown>) => async (c: Context) => {
      const document = await pick(c)
      return format === 'json'
        ? c.body(JSON.stringify(document, null, 2), 200, {
            ...documentHeaders,
            'content-type': 'application/json; charset=utf-8',
          })
        : c.body(stringify(document, { aliasDuplicateObjects: false }), 200, {
            ...documentHeaders,
            'content-type': 'application/yaml; charset=utf-8',
          })
    }
  const openapi = async () => (await cache.documents()).openapi
  const asyncapi = async (c: Context) =>
    withHost(
      (await cache.documents()).asyncapi,
      c.req.header('host') ?? `${listener.host}:${listener.port}`
    )

  const app = new Hono()
  app.get('/openapi.json', serve('json', openapi))
  app.get('/openapi.yaml', serve('yaml', openapi))
  app.get('/asyncapi.json', serve('json', asyncapi))
  app.get('/asyncapi.yaml', serve('yaml', asyncapi))

  const page = portalPage(listener, options.path)
  app.get(options.path, (c) =>
    c.body(page, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
  )
  app.get(`${options.path}/assets/:file`, (c) => {
    const found = asset(c.req.param('file'))
    if (found === undefined) return c.notFound()
    const headers: Record<string, string> = {
      'content-type': found.type,
      etag: found.etag,
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    }
    if (c.req.header('if-none-match') === found.etag) return c.body(null, 304, headers)
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')
    return gzip
      ? c.body(new Uint8Array(found.gzip), 200, { ...headers, 'content-encoding': 'gzip' })
      : c.body(new Uint8Array(found.body), 200, headers)
  })
  return app
}

/**
 * Scripts and styles only from this origin (Swagger UI sets styles through the DOM, which CSP
 * allows), requests only to it, images also as data: URLs (Swagger UI's icons).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const CONFIG_BLOCK = /(<script type="application\/json" id="weir-portal">)[\s\S]*?(<\/script>)/

function portalPage(listener: HttpListenerConfig, path: string): string {
  const template = readFileSync(new URL('./page/portal.html', import.meta.url), 'utf8')
  const config = {
    listener: listener.name,
    openapi: '/openapi.json',
    openapiYaml: '/openapi.yaml',
    asyncapi: '/asyncapi.json',
    asyncapiYaml: '/asyncapi.yaml',
  }
  return template
    .replaceAll('{{assets}}', escapeAttribute(`${path}/assets`))
    .replace(
      CONFIG_BLOCK,
      (_all, open: string, close: string) => `${open}${scriptJson(config)}${close}`
    )
}

function escapeAttribute(text: string): string {
  return text.replace(/[&"'<>]/g, (ch) => `&#${ch.charCodeAt(0)};`)
}
