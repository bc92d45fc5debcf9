// A data plane that authenticates to its control plane with a client certificate alone (mTLS):
// the control plane's admin listener requires certificates from its CA and accepts the subject
// named in `dataPlaneSubjects`; a certificate-less client is refused in the handshake.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../scripts/local-stack/ports.ts'
import { stackTls } from '../../../scripts/local-stack/tls.ts'
import { startControlPlane, startDataPlane, type RunningNode } from '../../../src/node/roles.ts'
import { createTopic, stack } from '../../support/kafka.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('data plane over mTLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'weir-dp-mtls-'))
  const nodes: RunningNode[] = []
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('pulls its configuration with a client certificate and no token', async () => {
    const tls = stackTls(path.join(dir, 'pki'))
    const topic = await createTopic('dp-mtls')
    const adminPort = await freePort()
    const publicPort = await freePort()
    const file = path.join(dir, 'cp.yaml')
    writeFileSync(
      file,
      `backendClusters:
  - name: main
    bootstrapServers: ${stack().bootstrap}
virtualClusters:
  - name: vc
    backendCluster: main
listeners:
  - name: public
    kind: http
    port: ${publicPort}
    routes:
      - { path: /orders, topic: ${topic}, virtualCluster: vc }
admin:
  port: ${adminPort}
  tls:
    certFile: ${tls.serverKeystoreFile}
    keyFile: ${tls.serverKeystoreFile}
    clientCaFile: ${tls.caFile}
  tokens: [{ name: ops, sha256: ${sha256('ops-token')} }]
  dataPlaneSubjects: [weir-client]
logging:
  level: error
`
    )
    nodes.push(await startControlPlane({ file, watch: false }))
    const controlPlane = `https://127.0.0.1:${adminPort}`

    const dataPlane = await startDataPlane({
      controlPlane,
      tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile },
      pollIntervalMs: 200,
      id: 'mtls-dp',
    })
    nodes.push(dataPlane)
    const res = await fetch(`http://127.0.0.1:${publicPort}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    })
    expect(res.status).toBe(202)

    // Without a client certificate the handshake itself fails: no token can stand in for it.
    await expect(
      startDataPlane({
        controlPlane,
        token: 'ops-token',
        tls: { caFile: tls.caFile },
        id: 'x',
        bootDeadlineMs: 1000,
      })
    ).rejects.toThrow()
  }, 60_000)
})
