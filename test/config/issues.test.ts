// Issues say what is wrong at a path in a sentence, and never show what was found at a secret's
// path: a plaintext pasted where its hash belongs would otherwise be echoed to every channel.
import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  formatIssue,
  parseConfig,
  validateConfigObject,
  type ConfigIssue,
} from '../../src/config/index.ts'
import { isSecretField } from '../../src/config/secret-fields.ts'
import { redactSecrets } from '../../src/control/secrets.ts'

const plaintexts = ['Plain-Hash-1', 'Plain-Key-2', 'Plain-Secret-3', 'Plain-Scram-4', '12345678']

/** Every secret field wrong, each with a plaintext (a number for the SASL password). */
const leaky = `
backendClusters:
  - name: local
    bootstrapServers: 127.0.0.1:9092
    sasl: { mechanism: plain, username: weir, password: 12345678 }
virtualClusters:
  - name: vc
    backendCluster: local
    authentication:
      - kind: basic
        users: [{ username: u, passwordHash: Plain-Hash-1 }]
      - kind: api-key
        keys: [{ principal: p, sha256: Plain-Key-2 }]
      - kind: scram
        users:
          - username: s
            mechanism: scram-sha-256
            salt: c2FsdA==
            iterations: 4096
            storedKey: Plain-Scram-4
            serverKey: Plain-Scram-4
listeners:
  - name: public
    kind: http
    port: eighty
    requests: { secret: Plain-Secret-3 }
observability: { metrics: { bearerTokenSha256: Plain-Key-2 } }
`

function rejection(run: () => unknown): ConfigError {
  try {
    run()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected the config to be rejected')
}

const secretPaths = [
  'backendClusters[0].sasl.password',
  'virtualClusters[0].authentication[0].users[0].passwordHash',
  'virtualClusters[0].authentication[1].keys[0].sha256',
  'virtualClusters[0].authentication[2].users[0].storedKey',
  'virtualClusters[0].authentication[2].users[0].serverKey',
  'listeners[0].requests.secret',
  'observability.metrics.bearerTokenSha256',
]

describe('configuration issues', () => {
  it('name each secret that is wrong without showing what was found there', () => {
    const err = rejection(() => parseConfig(leaky, 'test.yaml', {}))
    expect([...new Set(err.issues.map((i) => i.path))].sort()).toEqual(
      [...secretPaths, 'listeners[0].port'].sort()
    )
    // Every channel: the issues (admin API, logs), the formatted lines (CLI), the error message.
    const channels = [
      JSON.stringify(err.issues),
      err.issues.map(formatIssue).join('\n'),
      err.message,
    ]
    for (const text of channels) {
      for (const plaintext of plaintexts) expect(text).not.toContain(plaintext)
    }
    expect(err.issues.find((i) => i.path.endsWith('.passwordHash'))).toMatchObject({
      expected: 'a scrypt hash',
      got: 'a string (value not shown: secret)',
      message: 'expected a scrypt hash, got a string (value not shown: secret)',
    })
    expect(err.issues.find((i) => i.path.endsWith('sasl.password'))?.got).toBe(
      'a number (value not shown: secret)'
    )
    // What is not a secret is still shown: it helps to see it.
    expect(err.issues.find((i) => i.path === 'listeners[0].port')?.got).toBe('string "eighty"')
  })

  it('says the same of a document given as data (the admin API, a control plane)', () => {
    const raw = {
      backendClusters: [{ name: 'local', bootstrapServers: ['127.0.0.1:9092'] }],
      virtualClusters: [
        {
          name: 'vc',
          backendCluster: 'local',
          authentication: [{ kind: 'basic', users: [{ username: 'u', passwordHash: 'Plain-1' }] }],
        },
      ],
      listeners: [{ name: 'public', kind: 'http', port: 8080 }],
    }
    const err = rejection(() => validateConfigObject(raw))
    expect(err.issues).toEqual([
      {
        path: 'virtualClusters[0].authentication[0].users[0].passwordHash',
        expected: 'a scrypt hash',
        got: 'a string (value not shown: secret)',
        message: 'expected a scrypt hash, got a string (value not shown: secret)',
      },
    ])
  })

  it('fill the message of every issue with what is wrong at its path', () => {
    const issues: ConfigIssue[] = [
      ...rejection(() => parseConfig(leaky, 'test.yaml', {})).issues,
      ...rejection(() =>
        parseConfig(
          leaky.replace('    port: eighty\n', '').replace('kind: http', 'kind: htp'),
          'test.yaml',
          {}
        )
      ).issues,
    ]
    for (const issue of issues) expect(issue.message, issue.path).toMatch(/\w{3,}/)
    expect(issues.find((i) => i.path === 'listeners[0].kind')?.message).toBe(
      'expected one of "http", "kafka", got string "htp"'
    )
  })

  it('say a missing field is required', () => {
    const err = rejection(() =>
      parseConfig(leaky.replace('    port: eighty\n', ''), 'test.yaml', {})
    )
    expect(err.issues.find((i) => i.path === 'listeners[0].port')).toMatchObject({
      message: 'required: expected number',
      got: 'nothing',
    })
  })

  it('use the same notion of a secret as the admin API redaction', () => {
    const doc = { a: { passwordHash: 'x', sha256: 'y', bearerTokenSha256: 'z', name: 'n' } }
    const redacted = redactSecrets(doc).a as Record<string, string>
    for (const [key, value] of Object.entries(redacted)) {
      expect(value === '<redacted>', key).toBe(isSecretField(key))
    }
  })
})
