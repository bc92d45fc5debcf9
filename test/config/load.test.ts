import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfigFile, parseConfig } from '../../src/config/index.ts'
import { configIssuesOf } from '../support/config.ts'

const minimal = `
backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
virtualClusters:
  - name: vc
    backendCluster: local
listeners:
  - name: public
    kind: http
    port: 8080
`

const issuesOf = configIssuesOf

describe('parseConfig', () => {
  it('accepts a minimal config and fills defaults', () => {
    const config = parseConfig(minimal, 'test.yaml', {})
    expect(config.backendClusters[0]?.bootstrapServers).toEqual(['127.0.0.1:9092'])
    expect(config.backendClusters[0]?.clientId).toBe('weir')
    expect(config.listeners[0]).toMatchObject({
      kind: 'http',
      host: '127.0.0.1',
      port: 8080,
      health: true,
    })
    expect(config.policies).toEqual([])
  })

  it('loads the shipped example against the local stack', async () => {
    const config = await loadConfigFile(path.resolve('examples/gateway.yaml'), {})
    expect(config.backendClusters[0]?.bootstrapServers).toEqual(['127.0.0.1:19092'])
    expect(config.schemaRegistries[0]?.url).toBe('http://127.0.0.1:18081/apis/ccompat/v7')
  })

  it('interpolates ${ENV} with defaults and keeps the YAML type of a whole unquoted reference', () => {
    const text = minimal
      .replace('127.0.0.1:9092', '${BROKERS}')
      .replace('port: 8080', 'port: ${PORT:-8081}')
      .replace('name: public', 'name: "${NAME:-pub}"')
    const config = parseConfig(text, 't', { BROKERS: 'a:1,b:2' })
    expect(config.backendClusters[0]?.bootstrapServers).toEqual(['a:1', 'b:2'])
    expect(config.listeners[0]?.port).toBe(8081)
    expect(config.listeners[0]?.name).toBe('pub')
  })

  it('does not let a variable change the shape of the document', () => {
    const config = parseConfig(
      minimal.replace('clientId', 'x').replace('name: local', 'name: local\n    clientId: ${ID}'),
      't',
      {
        ID: 'a: b\n- c',
      }
    )
    expect(config.backendClusters[0]?.clientId).toBe('a: b\n- c')
  })

  it('names an unset variable with its path and line', () => {
    const issues = issuesOf(minimal.replace('127.0.0.1:9092', '${MISSING_BROKERS}'))
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'backendClusters[0].bootstrapServers',
        line: 4,
        message: expect.stringContaining('MISSING_BROKERS'),
      }),
    ])
  })

  it('reports a wrong type with path, line, expected and got', () => {
    const issues = issuesOf(minimal.replace('port: 8080', 'port: eighty'))
    expect(issues).toEqual([
      {
        path: 'listeners[0].port',
        line: 11,
        expected: 'number',
        got: 'string "eighty"',
        message: 'expected number, got string "eighty"',
      },
    ])
  })

  it('reports every problem at once', () => {
    const text = minimal
      .replace('kind: http', 'kind: htp')
      .replace('backendCluster: local', 'backendCluster: local\n    colour: red')
    const issues = issuesOf(text)
    expect(issues.map((i) => i.path).sort()).toEqual([
      'listeners[0].kind',
      'virtualClusters[0].colour',
    ])
    expect(issues.find((i) => i.path === 'listeners[0].kind')).toMatchObject({
      expected: 'one of "http", "kafka"',
      got: 'string "htp"',
    })
    expect(issues.find((i) => i.path === 'virtualClusters[0].colour')?.message).toBe(
      'unknown field "colour"'
    )
  })

  it('takes atomic delivery only with sync mode and acks all', () => {
    const route = (delivery: string) =>
      minimal.replace(
        'port: 8080',
        `port: 8080\n    routes:\n      - { path: /o, topic: o, virtualCluster: vc, delivery: ${delivery} }`
      )
    const config = parseConfig(route('{ atomic: true }'), 'test.yaml', {})
    const listener = config.listeners[0]
    expect(listener?.kind === 'http' && listener.routes[0]?.delivery).toMatchObject({
      atomic: true,
      mode: 'sync',
      acks: 'all',
    })
    for (const delivery of ['{ atomic: true, mode: async }', '{ atomic: true, acks: leader }']) {
      expect(issuesOf(route(delivery))).toEqual([
        expect.objectContaining({
          path: 'listeners[0].routes[0].delivery.atomic',
          message:
            'atomic delivery needs mode sync and acks all (a transaction is acknowledged by all replicas)',
        }),
      ])
    }
  })

  it('reports a missing required field', () => {
    const issues = issuesOf(minimal.replace('    port: 8080\n', ''))
    expect(issues).toEqual([
      expect.objectContaining({ path: 'listeners[0].port', expected: 'number', got: 'nothing' }),
    ])
  })

  it('checks references between entities', () => {
    const issues = issuesOf(minimal.replace('backendCluster: local', 'backendCluster: elsewhere'))
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'virtualClusters[0].backendCluster',
        line: 7,
        message: 'no backend cluster named "elsewhere" (known: "local")',
      }),
    ])
  })

  it('rejects duplicate names and listeners on the same address', () => {
    const text = `${minimal}  - name: public\n    kind: http\n    port: 8080\n`
    const messages = issuesOf(text).map((i) => `${i.path}: ${i.message}`)
    expect(messages).toContain('listeners[1].name: duplicate name "public" in listeners')
    expect(messages).toContain('listeners[1].port: 127.0.0.1:8080 is already used by listeners[0]')
  })

  it.each([
    [
      'virtualClusters: [vc]',
      'listeners[1].virtualClusters',
      'several virtual clusters on one listener need sni (the server name tells them apart); with port mapping use one listener per virtual cluster',
    ],
    [
      'virtualCluster: vc\n    virtualClusters: [vc]',
      'listeners[1].virtualCluster',
      'name the virtual cluster this listener serves: virtualCluster, or virtualClusters with sni',
    ],
    [
      '',
      'listeners[1].virtualCluster',
      'name the virtual cluster this listener serves: virtualCluster, or virtualClusters with sni',
    ],
    [
      'virtualClusters: [vc, nope]\n    tls: { certFile: a.crt, keyFile: a.key }\n    sni: { domain: k.example }',
      'listeners[1].virtualClusters[1]',
      'no virtual cluster named "nope" (known: "vc")',
    ],
    [
      'virtualClusters: [vc]\n    sni: { domain: k.example }',
      'listeners[1].sni',
      'SNI routing needs tls (the server name comes from the TLS handshake)',
    ],
  ])('checks which virtual clusters a kafka listener serves: %s', (lines, where, message) => {
    const text = `${minimal}  - name: kafka\n    kind: kafka\n    port: 9443\n    ${lines}\n`
    const messages = issuesOf(text).map((i) => `${i.path}: ${i.message}`)
    expect(messages).toContain(`${where}: ${message}`)
  })

  it('refuses an http door no client could authenticate to', () => {
    const certsOnly = (tls: string) => `
backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters:
  - name: certs
    backendCluster: local
    authentication: [{ kind: mtls }]
listeners:
  - name: public
    kind: http
    port: 8080${tls}
    topicsEndpoint: { virtualCluster: certs, allowed: ['*'] }
    streams: [{ path: '/s/{topic}', virtualCluster: certs, topics: { from: path, name: topic, allowed: ['*'] } }]
`
    const messages = issuesOf(certsOnly('')).map((i) => `${i.path}: ${i.message}`)
    expect(messages).toEqual([
      'listeners[0].topicsEndpoint.virtualCluster: virtual cluster "certs" takes no credential an HTTP client can present here: client certificates need the listener\'s tls.clientCaFile (every request would be refused 401)',
    ])
    const asking = '\n    tls: { certFile: s.crt, keyFile: s.key, clientCaFile: ca.crt }'
    expect(parseConfig(certsOnly(asking)).listeners[0]?.name).toBe('public')
    // SCRAM users log in over HTTP with Basic, checked against their SCRAM credential.
    const scram = certsOnly('').replace(
      '[{ kind: mtls }]',
      `[{ kind: scram, users: [{ username: u, mechanism: scram-sha-256, salt: c2FsdA==, iterations: 4096, storedKey: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=, serverKey: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE= }] }]`
    )
    expect(parseConfig(scram).listeners[0]?.name).toBe('public')
  })

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('listeners: []\nlisteners: []\n')
    expect(issues[0]?.line).toBe(2)
    expect(issues[0]?.message).toMatch(/^YAML:/)
  })

  it('explains a file that cannot be read', async () => {
    await expect(loadConfigFile('/nonexistent/weir.yaml')).rejects.toThrow(/cannot read the file/)
  })
})
