// The whole configuration through the admin API: read it (secrets redacted) with its version,
// validate a candidate, apply one (optionally conditional on the version it was written against).
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { parse as parseYaml } from 'yaml'
import { GatewayError } from '../core/errors.ts'
import { problem } from '../core/problem.ts'
import { problemResponse } from '../http/problem-response.ts'
import { planReload } from '../control/reload-plan.ts'
import { ConfigRejected, VersionConflict, type ConfigStore } from '../control/config-store.ts'
import { redactSecrets, restoreSecrets } from '../control/secrets.ts'

export function configRoutes(store: ConfigStore): Hono {
  const app = new Hono()
  app.get('/v1/config', (c) => {
    const { raw, version } = store.current
    if (c.req.header('if-none-match') === version.etag) {
      return c.body(null, 304, { etag: version.etag })
    }
    return c.json({ version, config: redactSecrets(raw) }, 200, { etag: version.etag })
  })
  app.get('/v1/config/version', (c) => c.json(store.current.version))
  app.post('/v1/config/validate', async (c) => {
    const body = await readDocument(c)
    if (body instanceof Response) return body
    try {
      const candidate = restoreSecrets(body, store.current.raw)
      const config = store.validate(candidate)
      return c.json({ valid: true, plan: planReload(store.current.config, config) })
    } catch (err) {
      return rejected(c, err)
    }
  })
  app.put('/v1/config', async (c) => {
    const body = await readDocument(c)
    if (body instanceof Response) return body
    return applyDocument(c, store, body, 200)
  })
  return app
}

/**
 * Applies a whole document (secret markers restored from the running one) and answers with the
 * new version and what the change did, or with why it was refused.
 */
export async function applyDocument(
  c: Context,
  store: ConfigStore,
  doc: Record<string, unknown>,
  status: ContentfulStatusCode
): Promise<Response> {
  try {
    const candidate = restoreSecrets(doc, store.current.raw) as Record<string, unknown>
    const ifMatch = c.req.header('if-match')
    const { applied, result, changed } = await store.apply(candidate, 'admin-api', ifMatch)
    return c.json({ version: applied.version, changed, result: result ?? null }, status, {
      etag: applied.version.etag,
    })
  } catch (err) {
    return rejected(c, err)
  }
}

function rejected(c: Context, err: unknown): Response {
  if (err instanceof VersionConflict) {
    return problemResponse(
      c,
      problem(412, 'precondition-failed', 'Precondition Failed', err.message, {
        current: err.current,
      })
    )
  }
  if (err instanceof ConfigRejected) {
    return problemResponse(
      c,
      problem(
        422,
        'invalid-config',
        'Invalid Configuration',
        `the configuration was not applied; the running one stays: ${err.issues.length} issue(s)`,
        { issues: err.issues }
      )
    )
  }
  return problemResponse(c, new GatewayError('bad-request', (err as Error).message).toProblem())
}

/** A JSON object body, or the problem response to send instead. */
export async function readJson(c: Context): Promise<Record<string, unknown> | Response> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch (err) {
    return problemResponse(
      c,
      new GatewayError('bad-request', `the body is not JSON: ${(err as Error).message}`).toProblem()
    )
  }
  return asObject(c, body)
}

/** A configuration document as JSON or YAML (`content-type: application/yaml`). */
async function readDocument(c: Context): Promise<Record<string, unknown> | Response> {
  const type = c.req.header('content-type') ?? ''
  if (!/yaml/i.test(type)) return readJson(c)
  try {
    return asObject(c, parseYaml(await c.req.text()))
  } catch (err) {
    return problemResponse(
      c,
      new GatewayError('bad-request', `the body is not YAML: ${(err as Error).message}`).toProblem()
    )
  }
}

function asObject(c: Context, body: unknown): Record<string, unknown> | Response {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return problemResponse(
      c,
      new GatewayError('bad-request', 'the body must be a JSON object').toProblem()
    )
  }
  return body as Record<string, unknown>
}
