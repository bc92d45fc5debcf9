// The example page (`examplePage` on an http listener): one static HTML file whose inline script
// subscribes to the listener's streams over WebSocket or SSE and posts events to its routes. The
// page is built once per listener: the template with the listener's paths in a JSON block.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Hono } from 'hono'
import type { HttpListenerConfig } from '../../config/index.ts'

const CONFIG_BLOCK = /(<script type="application\/json" id="weir-config">)[\s\S]*?(<\/script>)/

export function examplePageRoutes(listener: HttpListenerConfig, path: string): Hono {
  const template = readFileSync(new URL('./page.html', import.meta.url), 'utf8')
  const page = template.replace(
    CONFIG_BLOCK,
    (_all, open: string, close: string) => `${open}${scriptJson(pageConfig(listener))}${close}`
  )
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': contentSecurityPolicy(template),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The paths in it change with the configuration.
    'cache-control': 'no-cache',
  }
  const app = new Hono()
  app.get(path, (c) => c.body(page, 200, headers))
  return app
}

interface PageConfig {
  streams: { name: string; path: string; protocols: string[] }[]
  routes: { method: string; path: string }[]
}

function pageConfig(listener: HttpListenerConfig): PageConfig {
  const routes = listener.routes.map((r) => ({ method: r.method, path: r.path }))
  if (listener.topicsEndpoint?.enabled) routes.push({ method: 'POST', path: '/topics/{topic}' })
  return {
    streams: listener.streams.map((s) => ({
      name: s.name ?? s.path,
      path: s.path,
      protocols: s.protocols,
    })),
    routes,
  }
}

/**
 * JSON that cannot end its `<script>` element early: `<` (as in `</script>` or `<!--`) is
 * escaped, and JSON.parse reads `\u003c` back as `<`.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

/**
 * Only the page's own inline style and script may run (allowed by hash: they never change), and
 * it may only talk to this origin; the JSON block is data, which CSP does not govern.
 */
function contentSecurityPolicy(template: string): string {
  const script = inline(template, /<script>([\s\S]*?)<\/script>/)
  const style = inline(template, /<style>([\s\S]*?)<\/style>/)
  return [
    "default-src 'none'",
    `script-src '${script}'`,
    `style-src '${style}'`,
    // 'self' covers ws: and wss: to this origin too (CSP Level 3).
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

function inline(template: string, element: RegExp): string {
  const content = element.exec(template)?.[1]
  if (content === undefined) throw new Error(`page.html has no ${element.source}`)
  return `sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}`
}
