// The admin API of a standalone node, in process, against the test stack: who may call it, what
// it shows (never a secret), and every way of changing the running configuration (whole document,
// entities, the watched file) with what the public listener does after each.
import { createHash } from 'node:crypto'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { stringify } from 'yaml'
import { startStandalone, type RunningNode } from '../../../src/node/roles.ts'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { createTopic, stack } from '../../support/kafka.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

const OPS = 'ops-token-1'
const DATA_PLANE = 'dp-token-1'
const ALICE_KEY = 'alice-key-1'
const SECRETS = {
  saslPassword: 'kafka-sasl-password-1',
  registryPassword: 'registry-password-1',
  registryBearer: 'registry-bearer-1',
  identityKeyFile: '/run/secrets/identity-key-1.pem',
  identityPassphrase: 'identity-passphrase-1',
}

type Doc = Record<string, unknown>

function document(topic: string, publicPort: number, adminPort: number): Doc {
  return {
    backendClusters: [
      { name: 'main', bootstrapServers: [stack().bootstrap], producer: { lingerMs: 1 } },
      // Never used by a virtual cluster: here for its secret.
      {
        name: 'spare',
        bootstrapServers: ['127.0.0.1:1'],
        sasl: { mechanism: 'scram-sha-256', username: 'weir', password: SECRETS.saslPassword },
      },
    ],
    schemaRegistries: [
      {
        name: 'registry',
        url: stack().registryUrl,
        basicAuth: { username: 'reg', password: SECRETS.registryPassword },
      },
      { name: 'other', url: 'http://127.0.0.1:1', bearerToken: SECRETS.registryBearer },
    ],
    virtualClusters: [
      {
        name: 'vc',
        backendCluster: 'main',
        authentication: [
          { kind: 'api-key', keys: [{ principal: 'alice', sha256: sha256(ALICE_KEY) }] },
        ],
        policies: ['acl'],
        // Never used (nobody authenticates as nobody): here for its key and passphrase.
        backendIdentities: [
          {
            principals: ['nobody'],
            tls: {
              certFile: '/run/secrets/identity.crt',
              keyFile: SECRETS.identityKeyFile,
              passphrase: SECRETS.identityPassphrase,
            },
          },
        ],
      },
    ],
    policies: [
      {
        name: 'acl',
        kind: 'acl',
        rules: [{ principals: ['alice'], names: ['*'], operations: ['produce'] }],
      },
    ],
    listeners: [
      {
        name: 'public',
        kind: 'http',
        port: publicPort,
        routes: [{ path: '/orders', topic, virtualCluster: 'vc' }],
      },
    ],
    admin: {
      port: adminPort,
      tokens: [{ name: 'ops', sha256: sha256(OPS) }],
      dataPlaneTokens: [{ name: 'dp', sha256: sha256(DATA_PLANE) }],
    },
    logging: { level: 'fatal' },
  }
}

const nodes: RunningNode[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function startNode(watch = false) {
  const topic = await createTopic('admin')
  const [publicPort, adminPort] = [await freePort(), await freePort()]
  const doc = document(topic, publicPort, adminPort)
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-admin-'))
  dirs.push(dir)
  const file = path.join(dir, 'weir.yaml')
  writeFileSync(file, stringify(doc))
  const node = await startStandalone({ file, watch })
  nodes.push(node)
  const adminUrl = node.urls.find((u) => u.startsWith('admin '))?.slice('admin '.length)
  expect(adminUrl).toBe(`http://127.0.0.1:${adminPort}`)
  const publicUrl = `http://127.0.0.1:${publicPort}`
  const admin = (
    route: string,
    init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}
  ) =>
    fetch(`${adminUrl}${route}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token === '' ? {} : { authorization: `Bearer ${init.token ?? OPS}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    })
  const produce = (route: string, key = ALICE_KEY) =>
    fetch(`${publicUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: '{"n":1}',
    })
  const version = async () =>
    (await (await admin('/v1/config/version')).json()) as { generation: number; etag: string }
  return { node, doc, file, dir, topic, admin, produce, version, publicUrl }
}

async function problemOf(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return (await res.json()) as Record<string, unknown>
}

const clone = <T>(value: T): T => structuredClone(value)

async function poll<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('admin API', () => {
  it('answers 401 without a valid token, 403 to a data plane token on operator routes', async () => {
    const { admin } = await startNode()
    const none = await problemOf(await admin('/v1/config', { token: '' }), 401)
    expect(none.detail).toMatch(/Authorization: Bearer/)
    const noneAgain = await admin('/v1/config', { token: '' })
    expect(noneAgain.headers.get('www-authenticate')).toBe('Bearer realm="weir-admin"')
    await problemOf(await admin('/v1/config', { token: 'not-a-token' }), 401)
    await problemOf(await admin('/v1/policies', { token: sha256(OPS) }), 401)

    for (const [method, route] of [
      ['GET', '/v1/config'],
      ['GET', '/v1/config/version'],
      ['PUT', '/v1/config'],
      ['GET', '/v1/policies'],
      ['DELETE', '/v1/policies/acl'],
    ] as const) {
      const res = await admin(route, {
        method,
        token: DATA_PLANE,
        body: method === 'PUT' ? {} : undefined,
      })
      const body = await problemOf(res, 403)
      expect(body.detail).toBe(`a data-plane token may not ${method} ${route}`)
    }
    // A standalone node is no control plane: no data plane routes, whatever the token.
    await problemOf(await admin('/v1/data-plane/config', { token: DATA_PLANE }), 403)
    await problemOf(await admin('/v1/data-planes'), 404)

    expect((await admin('/v1/config')).status).toBe(200)
    const health = await admin('/healthz', { token: '' })
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', version: { generation: 1 } })
    await problemOf(await admin('/v1/nothing-here'), 404)
  })

  it('never shows a secret: the configuration and its entities come back redacted', async () => {
    const { admin, version } = await startNode()
    const secrets = [...Object.values(SECRETS), sha256(ALICE_KEY), sha256(OPS), sha256(DATA_PLANE)]
    for (const route of [
      '/v1/config',
      '/v1/backend-clusters',
      '/v1/backend-clusters/spare',
      '/v1/schema-registries',
      '/v1/schema-registries/other',
      '/v1/virtual-clusters',
      '/v1/virtual-clusters/vc',
    ]) {
      const res = await admin(route)
      expect(res.status).toBe(200)
      const text = await res.text()
      for (const secret of secrets) expect(text, route).not.toContain(secret)
      expect(text).toContain('<redacted>')
    }
    const res = await admin('/v1/config')
    const body = (await res.json()) as { version: { etag: string }; config: Doc }
    const { etag } = await version()
    expect(res.headers.get('etag')).toBe(etag)
    expect(body.version.etag).toBe(etag)
    expect(body.config).toMatchObject({
      admin: { tokens: [{ name: 'ops', sha256: '<redacted>' }] },
    })
    const notModified = await admin('/v1/config', { headers: { 'if-none-match': etag } })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('etag')).toBe(etag)
  })

  it('validates a candidate without applying it: 422 with every issue, or the plan', async () => {
    const { admin, doc, version } = await startNode()
    const before = await version()
    const bad = clone(doc) as { listeners: Doc[]; virtualClusters: Doc[] }
    bad.listeners[0]!.port = 'eighty'
    bad.virtualClusters[0]!.backendCluster = 'nowhere'
    const body = await problemOf(
      await admin('/v1/config/validate', { method: 'POST', body: bad }),
      422
    )
    expect(body.type).toBe('https://weir.dev/problems/invalid-config')
    const issues = body.issues as { path: string; message: string }[]
    expect(issues.map((i) => i.path)).toContain('listeners[0].port')
    expect(await version()).toEqual(before)

    // The redacted document, as read, validates: its markers stand for the running secrets.
    const read = (await (await admin('/v1/config')).json()) as { config: Doc }
    const denied = clone(read.config) as { policies: { rules: Doc[] }[] }
    denied.policies[0]!.rules[0]!.effect = 'deny'
    const ok = await admin('/v1/config/validate', { method: 'POST', body: denied })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({
      valid: true,
      plan: { unchanged: false, policies: true, listeners: [] },
    })
    expect(await version()).toEqual(before)

    await problemOf(
      await admin('/v1/config/validate', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: undefined,
      }),
      400
    )
  })

  it('never echoes a plaintext sent where a hash belongs: not in the 422, not in the log', async () => {
    const { node, admin, doc, version } = await startNode()
    const before = await version()
    const errors = vi.spyOn(node.logger, 'error')
    const slipped = clone(doc) as { virtualClusters: { authentication: Doc[] }[]; admin: Doc }
    slipped.virtualClusters[0]!.authentication.push({
      kind: 'basic',
      users: [{ username: 'bob', passwordHash: 'Slipped-Plaintext-1' }],
    })
    slipped.admin.tokens = [{ name: 'ops', sha256: 'Slipped-Plaintext-2' }]
    for (const [route, method] of [
      ['/v1/config/validate', 'POST'],
      ['/v1/config', 'PUT'],
    ] as const) {
      const res = await admin(route, { method, body: slipped })
      const text = await res.text()
      expect(res.status, route).toBe(422)
      expect(text).not.toMatch(/Slipped-Plaintext/)
      const { issues } = JSON.parse(text) as { issues: { path: string; message: string }[] }
      expect(issues).toEqual([
        {
          path: 'virtualClusters[0].authentication[1].users[0].passwordHash',
          message: 'expected a scrypt hash, got a string (value not shown: secret)',
          expected: 'a scrypt hash',
          got: 'a string (value not shown: secret)',
        },
        {
          path: 'admin.tokens[0].sha256',
          message: 'expected 64 hex digits, got a string (value not shown: secret)',
          expected: '64 hex digits',
          got: 'a string (value not shown: secret)',
        },
      ])
    }
    // The PUT was refused, and the log line that says so names the paths, not the values.
    expect(errors).toHaveBeenCalledTimes(1)
    expect(errors.mock.calls[0]?.[1]).toBe('configuration rejected: the running one stays')
    expect(JSON.stringify(errors.mock.calls[0])).toMatch(/passwordHash/)
    expect(JSON.stringify(errors.mock.calls[0])).not.toMatch(/Slipped-Plaintext/)
    expect(await version()).toEqual(before)
  })

  it('applies a whole document: a new route answers on the public listener', async () => {
    const { admin, doc, produce, version } = await startNode()
    expect((await produce('/payments')).status).toBe(404)
    const read = (await (await admin('/v1/config')).json()) as { config: Doc }
    const next = clone(read.config) as { listeners: { routes: Doc[] }[] }
    const topic = (doc.listeners as { routes: { topic: string }[] }[])[0]!.routes[0]!.topic
    next.listeners[0]!.routes.push({ path: '/payments', topic, virtualCluster: 'vc' })
    const res = await admin('/v1/config', { method: 'PUT', body: next })
    expect(res.status).toBe(200)
    const applied = (await res.json()) as {
      version: { generation: number; etag: string; source: string }
      changed: boolean
      result: { plan: Doc }
    }
    expect(applied).toMatchObject({
      version: { generation: 2, source: 'admin-api' },
      changed: true,
      result: { plan: { listeners: [{ kind: 'update', listener: 'public' }] } },
    })
    expect(res.headers.get('etag')).toBe(applied.version.etag)
    expect(await version()).toMatchObject({ generation: 2, etag: applied.version.etag })
    expect((await produce('/payments')).status).toBe(202)
    // The secrets were kept: alice's key still authenticates.
    expect((await produce('/orders')).status).toBe(202)

    // The same document again changes nothing.
    const again = await admin('/v1/config', { method: 'PUT', body: next })
    expect(await again.json()).toMatchObject({ changed: false, version: { generation: 2 } })

    // As YAML too.
    next.listeners[0]!.routes.pop()
    const yaml = await fetch(`${res.url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/yaml' },
      body: stringify(next),
    })
    expect(yaml.status).toBe(200)
    expect((await produce('/payments')).status).toBe(404)
    expect((await version()).generation).toBe(3)
  })

  it('moves the admin listener and takes new tokens from the next request', async () => {
    const { admin } = await startNode()
    const read = (await (await admin('/v1/config')).json()) as { config: { admin: Doc } }
    const next = clone(read.config)
    const port = await freePort()
    next.admin.port = port
    next.admin.tokens = [{ name: 'ops2', sha256: sha256('ops-token-2') }]
    const res = await admin('/v1/config', { method: 'PUT', body: next })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ changed: true, version: { generation: 2 } })
    const moved = `http://127.0.0.1:${port}`
    const answer = await poll(
      () =>
        fetch(`${moved}/v1/config/version`, {
          headers: { authorization: 'Bearer ops-token-2' },
        }).catch(() => undefined),
      (r) => r !== undefined
    )
    expect(answer?.status).toBe(200)
    const old = await fetch(`${moved}/v1/config/version`, {
      headers: { authorization: `Bearer ${OPS}` },
    })
    expect(old.status).toBe(401)
  })

  it('refuses a stale If-Match with 412 and the current version', async () => {
    const { admin, version } = await startNode()
    const stale = (await version()).etag
    const read = (await (await admin('/v1/config')).json()) as { config: Doc }
    const next = clone(read.config) as { logging: Doc }
    next.logging = { level: 'error' }
    const first = await admin('/v1/config', {
      method: 'PUT',
      body: next,
      headers: { 'if-match': stale },
    })
    expect(first.status).toBe(200)
    const current = await version()
    next.logging = { level: 'warn' }
    const body = await problemOf(
      await admin('/v1/config', { method: 'PUT', body: next, headers: { 'if-match': stale } }),
      412
    )
    expect(body.current).toMatchObject({ generation: 2, etag: current.etag })
    expect(await version()).toEqual(current)
    // Entities too.
    await problemOf(
      await admin('/v1/policies/acl', {
        method: 'DELETE',
        headers: { 'if-match': stale },
      }),
      412
    )
  })

  it('creates, reads, replaces and deletes policies', async () => {
    const { admin, produce, version } = await startNode()
    const policy = {
      name: 'limit',
      kind: 'rate-limit',
      requestsPerSecond: 100,
    }
    const created = await admin('/v1/policies', { method: 'POST', body: policy })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ changed: true, version: { generation: 2 } })
    await problemOf(await admin('/v1/policies', { method: 'POST', body: policy }), 409)
    await problemOf(await admin('/v1/policies', { method: 'POST', body: { kind: 'acl' } }), 400)

    const list = (await (await admin('/v1/policies')).json()) as { items: Doc[] }
    expect(list.items.map((p) => p.name)).toEqual(['acl', 'limit'])
    expect(await (await admin('/v1/policies/limit')).json()).toEqual(policy)

    const replaced = await admin('/v1/policies/limit', {
      method: 'PUT',
      body: { kind: 'rate-limit', requestsPerSecond: 5 },
    })
    expect(replaced.status).toBe(200)
    expect(await (await admin('/v1/policies/limit')).json()).toMatchObject({ requestsPerSecond: 5 })
    await problemOf(
      await admin('/v1/policies/limit', { method: 'PUT', body: { name: 'other', kind: 'acl' } }),
      400
    )
    // Invalid as a whole: the running config stays.
    const before = await version()
    const invalid = await problemOf(
      await admin('/v1/policies/limit', { method: 'PUT', body: { kind: 'rate-limit' } }),
      422
    )
    expect(JSON.stringify(invalid.issues)).toMatch(/requestsPerSecond/)
    expect(await version()).toEqual(before)
    // A policy still in use cannot go.
    const inUse = await problemOf(await admin('/v1/policies/acl', { method: 'DELETE' }), 422)
    expect(JSON.stringify(inUse.issues)).toMatch(/acl/)

    // Replacing the ACL with a deny for alice applies at once.
    const deny = await admin('/v1/policies/acl', {
      method: 'PUT',
      body: {
        kind: 'acl',
        rules: [{ effect: 'deny', principals: ['alice'], names: ['*'], operations: ['produce'] }],
      },
    })
    expect(deny.status).toBe(200)
    expect((await produce('/orders')).status).toBe(403)

    expect((await admin('/v1/policies/limit', { method: 'DELETE' })).status).toBe(200)
    await problemOf(await admin('/v1/policies/limit'), 404)
    await problemOf(await admin('/v1/policies/limit', { method: 'DELETE' }), 404)
    expect((await version()).generation).toBe(5)
  })

  it("creates, reads, replaces and deletes a listener's routes, addressed by encoded path", async () => {
    const { admin, produce, topic } = await startNode()
    const routes = '/v1/listeners/public/routes'
    const route = { path: '/devices/{id}', topic, virtualCluster: 'vc' }
    const created = await admin(routes, { method: 'POST', body: route })
    expect(created.status).toBe(201)
    expect((await produce('/devices/d-1')).status).toBe(202)

    const one = `${routes}/${encodeURIComponent('/devices/{id}')}`
    expect(await (await admin(one)).json()).toEqual(route)
    const list = (await (await admin(routes)).json()) as { items: Doc[] }
    expect(list.items.map((r) => r.path)).toEqual(['/orders', '/devices/{id}'])

    const replaced = await admin(one, {
      method: 'PUT',
      body: { topic, virtualCluster: 'vc', method: 'PUT' },
    })
    expect(replaced.status).toBe(200)
    expect((await produce('/devices/d-1')).status).toBe(405)

    expect((await admin(one, { method: 'DELETE' })).status).toBe(200)
    expect((await produce('/devices/d-1')).status).toBe(404)
    await problemOf(await admin(one), 404)
    await problemOf(await admin('/v1/listeners/nope/routes'), 404)
    await problemOf(await admin('/v1/listeners/nope/routes', { method: 'POST', body: route }), 404)
  })

  it('keeps a secret sent back as the marker, and refuses a marker for a new secret', async () => {
    const { admin, produce, version } = await startNode()
    const vc = (await (await admin('/v1/virtual-clusters/vc')).json()) as {
      authentication: { keys: Doc[] }[]
    }
    expect(vc.authentication[0]!.keys).toEqual([{ principal: 'alice', sha256: '<redacted>' }])
    vc.authentication[0]!.keys.push({ principal: 'bob', sha256: sha256('bob-key') })
    const res = await admin('/v1/virtual-clusters/vc', { method: 'PUT', body: vc })
    expect(res.status).toBe(200)
    // Alice's key was kept; Bob's is known (the ACL denies him, after authenticating him).
    expect((await produce('/orders')).status).toBe(202)
    expect((await produce('/orders', 'bob-key')).status).toBe(403)
    expect((await produce('/orders', 'wrong-key')).status).toBe(401)
    const text = await (await admin('/v1/config')).text()
    expect(text).not.toContain(sha256('bob-key'))

    const before = await version()
    vc.authentication[0]!.keys.push({ principal: 'carol', sha256: '<redacted>' })
    const refused = await problemOf(
      await admin('/v1/virtual-clusters/vc', { method: 'PUT', body: vc }),
      400
    )
    expect(refused.detail).toMatch(
      /keys\[2\]\.sha256: "<redacted>" stands for a secret that is not set/
    )
    expect(await version()).toEqual(before)
  })

  it('applies the watched config file when it changes, and keeps running when it breaks', async () => {
    const { node, doc, file, dir, produce, version } = await startNode(true)
    const errors = vi.spyOn(node.logger, 'error')
    expect((await produce('/orders')).status).toBe(202)

    // Replaced as editors and config management do: a new file renamed over the old one.
    const denied = clone(doc) as { policies: { rules: Doc[] }[] }
    denied.policies[0]!.rules[0]!.effect = 'deny'
    writeFileSync(path.join(dir, 'next.yaml'), stringify(denied))
    renameSync(path.join(dir, 'next.yaml'), file)
    const applied = await poll(version, (v) => v.generation === 2)
    expect(applied).toMatchObject({ source: 'file' })
    expect((await produce('/orders')).status).toBe(403)

    // Written in place, broken.
    writeFileSync(file, 'listeners: [\n  - name: public\n  kind: http\n')
    await poll(
      async () => errors.mock.calls.length,
      (n) => n > 0
    )
    expect(errors.mock.calls[0]?.[1]).toBe(
      'config file not applied: it is not a valid configuration; the running one stays'
    )
    expect(JSON.stringify(errors.mock.calls[0]?.[0])).toMatch(/YAML/)
    expect(await version()).toEqual(applied)
    expect((await produce('/orders')).status).toBe(403)

    // Valid YAML that is not a valid config: logged, the running config stays.
    writeFileSync(file, stringify({ ...doc, listeners: [] }))
    await poll(
      async () => errors.mock.calls.length,
      (n) => n > 1
    )
    expect(errors.mock.calls[1]?.[1]).toBe(
      'config file not applied: it is not a valid configuration; the running one stays'
    )
    expect(errors.mock.calls[1]?.[0]).toMatchObject({ issues: [{ path: 'listeners' }] })
    expect(await version()).toEqual(applied)

    // A valid document the node cannot run (a key that does not compile): the store refuses it.
    const uncompilable = clone(doc) as { virtualClusters: { authentication: Doc[] }[] }
    uncompilable.virtualClusters[0]!.authentication.push({ kind: 'jwt', keys: ['not a PEM key'] })
    writeFileSync(file, stringify(uncompilable))
    await poll(
      async () => errors.mock.calls.length,
      (n) => n > 2
    )
    expect(errors.mock.calls[2]?.[1]).toBe('configuration rejected: the running one stays')
    expect(errors.mock.calls[2]?.[0]).toMatchObject({ source: 'file' })
    expect(await version()).toEqual(applied)

    // And a good file again applies.
    writeFileSync(file, stringify(doc))
    await poll(version, (v) => v.generation === 3)
    expect((await produce('/orders')).status).toBe(202)
  })
})
