// The HTTP side of views: `GET {path}/{key}` reads a key (ETag, If-None-Match, and `Prefer:
// wait=N` to long-poll for a change), `GET {path}` lists keys a page at a time. Both ask the
// policy engine for `consume` on the view's topic, with the view's policies.
import type { Context } from 'hono'
import { Hono } from 'hono'
import { GatewayError } from '../../core/errors.ts'
import type { Admitted, LifecycleRoute, Located, RequestObservation } from '../lifecycle.ts'
import { decodeValue, httpBody } from '../resources/body.ts'
import { allowOrThrow, type ResourceDoorDeps } from '../resources/deps.ts'
import { parsePrefer, waitFor } from '../resources/prefer.ts'
import type { View } from '../../views/view-service.ts'
import type { ViewEntry } from '../../views/view-table.ts'
import type { Principal } from '../../core/principal.ts'

export function viewRoutes(listener: string, deps: ResourceDoorDeps): Hono {
  const app = new Hono()
  for (const configured of deps.views.views(listener)) {
    const name = configured.config.name
    const vc = configured.config.virtualCluster
    // Looked up per request: a reload that keeps the view may have changed its policies.
    const locate = (_c: Context, observed: RequestObservation): ViewTarget => {
      const view = deps.views.view(listener, name)
      if (view === undefined) throw new GatewayError('not-found', `no view "${name}"`)
      observed.note({ topic: view.config.topic })
      return { virtualCluster: view.virtualCluster.name, view }
    }
    const route = (template: string): LifecycleRoute<Context, ViewTarget> => ({
      template,
      route: `GET ${template}`,
      virtualCluster: vc,
      // Reads answer while the node shuts down; only a wait for a change is cut short.
      admit: 'always',
      locate,
    })
    app.get(
      configured.path,
      deps.lifecycle.route(route(configured.path), async (admitted, c) => {
        await admit(c, admitted, deps)
        return listKeys(c, admitted.target.view)
      })
    )
    app.get(
      `${configured.path}/:key{.+}`,
      deps.lifecycle.route(route(`${configured.path}/{key}`), async (admitted, c) => {
        const holdUntil = await admit(c, admitted, deps)
        const key = c.req.param('key') ?? ''
        return readKey(c, admitted.target.view, key, holdUntil, admitted.principal, deps)
      })
    )
  }
  return app
}

interface ViewTarget extends Located {
  view: View
}

/**
 * Authorizes, and reads the topic up to its end offsets as they are now, so that the answer
 * holds every record written before the request (on whichever node it was written or read
 * before); refuses when that takes longer than the wait allows (a table still loading, a reader
 * behind, or a backend that does not answer). Returns when the client's `Prefer: wait` ends.
 */
async function admit(
  c: Context,
  { principal, target: { view } }: Admitted<ViewTarget>,
  deps: ResourceDoorDeps
): Promise<number> {
  allowOrThrow(
    await deps.policies.prepareAndAuthorize(
      {
        door: 'http',
        operation: 'consume',
        virtualCluster: view.virtualCluster.name,
        route: `view ${view.config.name}`,
        resources: [{ type: 'topic', name: view.config.topic }],
        principal,
        records: 0,
        bytes: 0,
      },
      view.config.policies
    )
  )
  const started = Date.now()
  const holdMs = waitFor(parsePrefer(c.req.header('prefer')), view.config.maxWaitMs)
  if (!(await view.readThrough(Math.max(holdMs, view.config.catchUpMs)))) {
    // A table that has not read what was written before the request could answer 404 for a key
    // that exists, or an older value than its writer was told was written.
    const detail = view.ready()
      ? `view "${view.config.name}" could not read its topic up to the end within ${Math.max(holdMs, view.config.catchUpMs)} ms`
      : `view "${view.config.name}" is still loading its topic`
    throw new GatewayError('backend-unavailable', detail, { retryAfterSeconds: 1 })
  }
  return started + holdMs
}

async function readKey(
  c: Context,
  view: View,
  key: string,
  holdUntil: number,
  principal: Principal,
  deps: ResourceDoorDeps
): Promise<Response> {
  const table = view.table
  const known = c.req.header('if-none-match')
  const matches = (entry: ViewEntry | undefined) =>
    entry !== undefined && known !== undefined && etagMatches(known, entry.etag)
  let entry = table.get(key)
  // Wait while the answer would be what the client has: the same version, or still no key.
  const unchanged = matches(entry) || (entry === undefined && known === undefined)
  const holdMs = holdUntil - Date.now()
  if (unchanged && holdMs > 0 && deps.accepting()) {
    await table.waitForChange(key, entry?.etag, holdMs)
    entry = table.get(key)
  }
  if (entry === undefined) {
    const detail = table.complete
      ? `view "${view.config.name}" has no key "${key}"`
      : `view "${view.config.name}" has no key "${key}" (the view is over its bounds and dropped keys written least recently: the key may exist)`
    throw new GatewayError('not-found', detail, {
      extensions: table.complete ? {} : { complete: false },
    })
  }
  // Masks differ per principal: no shared cache may hand one principal's copy to another.
  const headers: Record<string, string> = {
    etag: entry.etag,
    'cache-control': view.personal() ? 'private, no-cache' : 'no-cache',
    'last-modified': new Date(Number(entry.timestamp)).toUTCString(),
  }
  if (matches(entry)) return new Response(null, { status: 304, headers })
  const value = await view.shown(entry, principal)
  const decoded = await decodeValue(
    value,
    {
      mode: view.config.format.value,
      registry: view.virtualCluster.schemaRegistry,
      onDecodeError: (err) =>
        deps.logger.warn({ err, view: view.config.name }, 'a value could not be decoded'),
    },
    deps.schemas
  )
  const body = httpBody(value, decoded)
  headers['content-type'] = body.contentType
  return new Response(body.bytes, { status: 200, headers })
}

function listKeys(c: Context, view: View): Response {
  const limitText = c.req.query('limit')
  const limit = limitText === undefined ? view.config.pageSize : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new GatewayError('bad-request', '"limit" must be a whole number from 1 to 1000')
  }
  const after = c.req.query('after')
  const page = view.table.page(after, limit)
  const stats = view.table.stats()
  const next =
    page.next === undefined
      ? undefined
      : `${view.path}?after=${encodeURIComponent(page.next)}&limit=${limit}`
  const body = {
    view: view.config.name,
    keys: page.keys.map((entry) => entry.key),
    ...(next === undefined ? {} : { next }),
    size: stats.keys,
    bytes: stats.bytes,
    complete: view.table.complete,
  }
  return c.json(body, 200, next === undefined ? {} : { link: `<${next}>; rel="next"` })
}

/** If-None-Match: `*`, or a list of (possibly weak) ETags; weak comparison, as RFC 9110 says. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}
