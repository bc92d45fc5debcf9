// kcat (librdkafka) through both tenants on their one SNI port (see tenants.ts), the names in
// /etc/hosts, logging in with SCRAM-SHA-512 (A) and SCRAM-SHA-256 (B): each tenant produces and
// consumes, is refused by its own ACL alone, and a server name no tenant has fails to connect.
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueName } from '../../../support/kafka.ts'
import {
  SLOW,
  TAGS,
  bootstrapOf,
  createTenantTopics,
  other,
  port,
  rdkafkaConfig,
  startTenants,
  stopTenants,
  tenants,
  unknownHost,
  type Tenant,
} from './tenants.ts'

beforeAll(() => startTenants({ hostsFile: true }), SLOW.timeout)
afterAll(stopTenants, SLOW.timeout)

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs kcat against `bootstrap` with the tenant's librdkafka settings and `args`. */
function kcat(t: Tenant, bootstrap: string, args: string[], input = ''): Promise<Run> {
  const settings = Object.entries(rdkafkaConfig(t)).flatMap(([k, v]) => ['-X', `${k}=${v}`])
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', bootstrap, ...settings, ...args])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill(), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(input)
  })
}

/** kcat on the tenant's bootstrap; its stdout, or a failure with its stderr. */
async function succeeds(t: Tenant, args: string[], input = ''): Promise<string> {
  const run = await kcat(t, bootstrapOf(t), args, input)
  if (run.code !== 0)
    throw new Error(`kcat ${args.join(' ')} exited with ${run.code}: ${run.stderr}`)
  return run.stdout
}

describe('kcat, two tenants on one SNI port', () => {
  it.each(TAGS)('tenant %s: produces and consumes with SCRAM', SLOW, async (tag) => {
    const t = tenants[tag]
    const topic = uniqueName('kcat-scram')
    await createTenantTopics(t, [topic])
    const values = ['one', 'two', 'three']
    await succeeds(t, ['-P', '-t', topic], values.join('\n') + '\n')
    const read = await succeeds(t, ['-C', '-t', topic, '-o', 'beginning', '-c', '3', '-e'])
    expect(read.split('\n').filter((l) => l !== '')).toEqual(values)
  })

  it.each(TAGS)(
    "tenant %s: a topic its own ACL denies is refused (Topic authorization failed), the other tenant's is not",
    SLOW,
    async (tag) => {
      const t = tenants[tag]
      const refused = `${t.denied}-kcat`
      const allowed = `${other(t).denied}-kcat`
      // Both exist in the tenant's namespace: the refusal is the ACL's, not a missing topic's.
      await createTenantTopics(t, [refused, allowed])
      await succeeds(t, ['-P', '-t', allowed], 'allowed here\n')
      const run = await kcat(
        t,
        bootstrapOf(t),
        ['-X', 'message.timeout.ms=10000', '-P', '-t', refused],
        'nope\n'
      )
      expect(run.stderr).toMatch(/Delivery failed for message: Broker: Topic authorization failed/)
      expect(run.stderr).not.toMatch(/still in queue|timed out/i)
    }
  )

  it('a server name no tenant has: no connection, no metadata', SLOW, async () => {
    // Tenant A's valid credentials: the name alone is refused.
    const run = await kcat(tenants.a, `${unknownHost}:${port}`, ['-L', '-m', '5'])
    expect(run.code).toBe(1)
    expect(run.stdout).not.toMatch(/Metadata for/)
    expect(run.stderr).toMatch(/Failed to acquire metadata: Local: Broker transport failure/)
    // librdkafka logs why: the TLS alert Weir sent in the handshake.
    expect(run.stderr).toMatch(/SSL handshake failed: .*unrecognized name/i)
  })
})
