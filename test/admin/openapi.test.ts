// openapi/admin.yaml against the admin app itself: valid OpenAPI 3.1, every route the app serves
// and no other, and every operation exercised with what the app answers checked against it.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createAdminApp } from '../../src/admin/admin-app.ts'
import { validateConfigObject, type WeirConfig } from '../../src/config/index.ts'
import { ConfigStore } from '../../src/control/config-store.ts'
import { DataPlanes } from '../../src/control/data-planes.ts'
import { planReload } from '../../src/control/reload-plan.ts'
import { checkRunnable } from '../../src/gateway.ts'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const OPS = 'ops'
const DATA_PLANE = 'dp'

type Json = Record<string, unknown>
interface Operation {
  operationId: string
  responses: Record<string, { content?: Record<string, { schema: Json }> }>
}

const spec = parse(readFileSync('openapi/admin.yaml', 'utf8')) as {
  paths: Record<string, Record<string, Operation>>
}
const methods = ['get', 'put', 'post', 'delete', 'patch']

function adminApp() {
  const raw: Json = {
    backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:9092'] }],
    schemaRegistries: [
      {
        name: 'registry',
        url: 'http://127.0.0.1:8081',
        basicAuth: { username: 'u', password: 'p' },
      },
    ],
    virtualClusters: [
      {
        name: 'vc',
        backendCluster: 'main',
        authentication: [{ kind: 'api-key', keys: [{ principal: 'a', sha256: sha256('key') }] }],
        policies: ['acl'],
      },
    ],
    policies: [
      {
        name: 'acl',
        kind: 'acl',
        rules: [{ principals: ['*'], names: ['*'], operations: ['produce'] }],
      },
    ],
    listeners: [
      {
        name: 'public',
        kind: 'http',
        port: 8080,
        routes: [{ path: '/orders', topic: 'orders', virtualCluster: 'vc' }],
        streams: [{ path: '/events', topics: ['orders'], virtualCluster: 'vc' }],
      },
    ],
    admin: {
      port: 9090,
      tokens: [{ name: 'ops', sha256: sha256(OPS) }],
      dataPlaneTokens: [{ name: 'fleet', sha256: sha256(DATA_PLANE) }],
    },
  }
  let running: WeirConfig = validateConfigObject(raw)
  const store = new ConfigStore(
    { raw, config: running },
    {
      // What a standalone node answers: the plan it carried out.
      apply: async (next) => {
        const plan = planReload(running, next)
        running = next
        return { plan, failed: [] }
      },
      check: checkRunnable,
      logger: pino({ level: 'silent' }),
    }
  )
  const dataPlanes = new DataPlanes({ staleAfterMs: 45_000 })
  const app = createAdminApp({
    store,
    admin: () => store.current.config.admin!,
    dataPlanes,
    logger: pino({ level: 'silent' }),
  })
  return { app, store }
}

/** The document's path template and operation for a concrete request. */
function operationOf(method: string, path: string): [string, Operation] | undefined {
  for (const [template, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`)
    const operation = item[method.toLowerCase()]
    if (pattern.test(path) && operation !== undefined) return [template, operation]
  }
  return undefined
}

describe('openapi/admin.yaml', () => {
  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator()
    const result = await validator.validate(spec as never)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(() => validator.resolveRefs()).not.toThrow()
  })

  it('has every route the admin app serves, and no other', () => {
    const { app } = adminApp()
    const served = app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, '{$1}')}`)
    const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => methods.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`)
    )
    expect(served.length).toBeGreaterThan(40)
    expect(new Set(served).size).toBe(served.length)
    expect([...documented].sort()).toEqual([...served].sort())
  })

  it('describes what the app answers to every operation', async () => {
    const validator = new Validator()
    await validator.validate(spec as never)
    const resolved = validator.resolveRefs() as { paths: typeof spec.paths }
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    const { app } = adminApp()
    const exercised = new Set<string>()

    const call = async (
      method: string,
      path: string,
      options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}
    ) => {
      const headers: Record<string, string> = { ...options.headers }
      if (options.token !== null) headers.authorization = `Bearer ${options.token ?? OPS}`
      if (options.body !== undefined) headers['content-type'] ??= 'application/json'
      const sent =
        options.body === undefined || typeof options.body === 'string'
          ? (options.body as string | undefined)
          : JSON.stringify(options.body)
      const res = await app.request(path, { method, headers, body: sent })
      const found = operationOf(method, decodeURI(path).split('?')[0] as string)
      expect(found, `${method} ${path} is documented`).toBeDefined()
      const [template, documented] = found!
      const operation = resolved.paths[template]![method.toLowerCase()] as Operation
      exercised.add(documented.operationId)
      const response = operation.responses[String(res.status)]
      expect(response, `${method} ${template} documents ${res.status}`).toBeDefined()
      const text = await res.text()
      if (response!.content === undefined) {
        expect(text, `${method} ${template} ${res.status} has no body`).toBe('')
        return { status: res.status, body: undefined, res }
      }
      const type = res.headers.get('content-type')?.split(';')[0] ?? ''
      const media = response!.content[type]
      expect(media, `${method} ${template} ${res.status} answers ${type}`).toBeDefined()
      const body = JSON.parse(text) as unknown
      const validate = ajv.compile(media!.schema)
      expect(
        validate(body),
        `${method} ${template} ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`
      ).toBe(true)
      return { status: res.status, body: body as Json, res }
    }

    expect((await call('GET', '/healthz', { token: null })).status).toBe(200)
    expect((await call('GET', '/v1/config', { token: null })).status).toBe(401)
    expect((await call('GET', '/v1/config', { token: DATA_PLANE })).status).toBe(403)
    const config = await call('GET', '/v1/config')
    const etag = config.res.headers.get('etag') as string
    expect((await call('GET', '/v1/config', { headers: { 'if-none-match': etag } })).status).toBe(
      304
    )
    expect((await call('GET', '/v1/config/version')).status).toBe(200)
    const doc = (config.body as { config: Json }).config
    expect((await call('POST', '/v1/config/validate', { body: doc })).status).toBe(200)
    expect(
      (await call('POST', '/v1/config/validate', { body: { ...doc, listeners: 1 } })).status
    ).toBe(422)
    expect((await call('POST', '/v1/config/validate', { body: '[]' })).status).toBe(400)
    expect((await call('PUT', '/v1/config', { body: doc })).body).toMatchObject({
      changed: false,
      result: null,
    })
    const changed = await call('PUT', '/v1/config', {
      body: { ...doc, logging: { level: 'warn' } },
      headers: { 'if-match': etag },
    })
    expect(changed.body).toMatchObject({ changed: true, result: { plan: { logging: true } } })
    expect(
      (await call('PUT', '/v1/config', { body: doc, headers: { 'if-match': etag } })).status
    ).toBe(412)
    expect(
      (
        await call('PUT', '/v1/config', {
          body: 'listeners: [',
          headers: { 'content-type': 'application/yaml' },
        })
      ).status
    ).toBe(400)

    const samples: [string, Json, string][] = [
      ['/v1/backend-clusters', { name: 'b2', bootstrapServers: ['127.0.0.1:9093'] }, 'name'],
      [
        '/v1/schema-registries',
        { name: 'r2', url: 'http://127.0.0.1:8082', bearerToken: 't' },
        'name',
      ],
      ['/v1/virtual-clusters', { name: 'vc2', backendCluster: 'main' }, 'name'],
      ['/v1/listeners', { name: 'l2', kind: 'http', port: 8082 }, 'name'],
      ['/v1/policies', { name: 'p2', kind: 'rate-limit', requestsPerSecond: 5 }, 'name'],
      ['/v1/listeners/public/routes', { path: '/r2', topic: 't', virtualCluster: 'vc' }, 'path'],
      [
        '/v1/listeners/public/streams',
        { path: '/s2', topics: ['t'], virtualCluster: 'vc' },
        'path',
      ],
    ]
    for (const [base, item, idKey] of samples) {
      const id = encodeURIComponent(item[idKey] as string)
      expect((await call('GET', base)).status).toBe(200)
      expect((await call('POST', base, { body: item })).status).toBe(201)
      expect((await call('POST', base, { body: item })).status).toBe(409)
      expect((await call('GET', `${base}/${id}`)).body).toMatchObject({ [idKey]: item[idKey] })
      expect((await call('PUT', `${base}/${id}`, { body: item })).status).toBe(200)
      expect(
        (await call('PUT', `${base}/${id}`, { body: { ...item, [idKey]: '/x' } })).status
      ).toBe(400)
      expect((await call('DELETE', `${base}/${id}`)).status).toBe(200)
      expect((await call('GET', `${base}/${id}`)).status).toBe(404)
      expect((await call('PUT', `${base}/${id}`, { body: item })).status).toBe(201)
      expect((await call('DELETE', `${base}/${id}`)).status).toBe(200)
    }
    expect((await call('GET', '/v1/listeners/nope/routes')).status).toBe(404)
    expect((await call('POST', '/v1/policies', { body: { kind: 'acl' } })).status).toBe(400)
    expect((await call('DELETE', '/v1/policies/acl')).status).toBe(422)
    expect(
      (await call('DELETE', '/v1/policies/acl', { headers: { 'if-match': etag } })).status
    ).toBe(412)

    const served = await call('GET', '/v1/data-plane/config', { token: DATA_PLANE })
    expect(served.status).toBe(200)
    expect(served.body?.config).not.toHaveProperty('admin')
    const servedEtag = served.res.headers.get('etag') as string
    expect(
      (
        await call('GET', '/v1/data-plane/config', {
          token: DATA_PLANE,
          headers: { 'if-none-match': servedEtag },
        })
      ).status
    ).toBe(304)
    expect((await call('GET', '/v1/data-plane/config')).status).toBe(403)
    const report = { health: 'ok', etag: servedEtag, generation: 3, listeners: ['public'] }
    expect(
      (await call('POST', '/v1/data-planes/dp-1/status', { token: DATA_PLANE, body: report }))
        .status
    ).toBe(204)
    expect(
      (
        await call('POST', '/v1/data-planes/dp-1/status', {
          token: DATA_PLANE,
          body: { health: 'fine' },
        })
      ).status
    ).toBe(400)
    const fleet = await call('GET', '/v1/data-planes')
    expect(fleet.body).toMatchObject({ items: [{ id: 'dp-1', token: 'fleet', current: true }] })

    const operations = Object.values(spec.paths).flatMap((item) =>
      Object.entries(item)
        .filter(([key]) => methods.includes(key))
        .map(([, op]) => op.operationId)
    )
    expect([...exercised].sort()).toEqual([...new Set(operations)].sort())
  })
})
