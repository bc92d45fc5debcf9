// Bearer JWTs over HTTP: the principal and roles come from the token, and ACLs use them.
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic } from '../../support/kafka.ts'

describe('JWT authentication over HTTP', () => {
  let url = ''
  let sign: (claims: Record<string, unknown>, expiresIn?: string) => Promise<string>

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const pem = await exportSPKI(publicKey)
    sign = (claims, expiresIn = '5m') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer('https://idp.test')
        .setAudience('weir')
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey)
    const topic = await createTopic('jwt')
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: jwt
        issuer: https://idp.test
        audiences: [weir]
        algorithms: [ES256]
        rolesClaim: scope
        keys:
          - |
${pem
  .trim()
  .split('\n')
  .map((line) => `            ${line}`)
  .join('\n')}
    policies: [writers]
policies:
  - name: writers
    kind: acl
    rules:
      - { principals: ['role:orders.write'], names: ['${topic}'], operations: [produce] }
listeners:
  - name: public
    kind: http
    port: 0
    routes:
      - { path: /orders, topic: ${topic}, virtualCluster: vc }
`)
    url = started.url
  })

  const post = (token: string) =>
    fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
    })

  it('accepts a valid token whose scope grants the role', async () => {
    expect(
      (await post(await sign({ sub: 'svc-a', scope: 'orders.read orders.write' }))).status
    ).toBe(202)
  })

  it('forbids a valid token without the role', async () => {
    const res = await post(await sign({ sub: 'svc-b', scope: 'orders.read' }))
    expect(res.status).toBe(403)
    expect(((await res.json()) as { detail: string }).detail).toMatch(/svc-b/)
  })

  it('rejects an expired token with an RFC 6750 challenge', async () => {
    const res = await post(await sign({ sub: 'svc-a', scope: 'orders.write' }, '-1m'))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
  })

  it('rejects a token signed by another key', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const forged = await new SignJWT({ sub: 'svc-a', scope: 'orders.write' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://idp.test')
      .setAudience('weir')
      .setExpirationTime('5m')
      .sign(privateKey)
    expect((await post(forged)).status).toBe(401)
  })
})
