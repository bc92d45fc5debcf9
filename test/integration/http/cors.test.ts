// CORS on an http listener, in real headless Chromium from pages served on other ports (other
// origins): the allowed one can POST with an API key (a preflighted request), subscribe over SSE
// and open a WebSocket; the other is refused on each. Plain fetches check the headers themselves.
// Chromium is required (the Debian package; .ci/run installs it): without it this fails.
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket as WsClient } from 'ws'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, endOffsetSum } from '../../support/kafka.ts'

const CHROMIUM = '/usr/bin/chromium'

/** A page server: another origin than the gateway's. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end('<!doctype html><title>other origin</title><p>page</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('cors', () => {
  let url = ''
  let topic = ''
  let allowed = { server: undefined as Server | undefined, origin: '' }
  let other = { server: undefined as Server | undefined, origin: '' }
  let browser: Browser | undefined

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (as .ci/run does)`)
    }
    allowed = await pageServer()
    other = await pageServer()
    topic = await createTopic('cors')
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    authentication:
      - kind: api-key
        keys:
          - { principal: alice, sha256: ${hashApiKey('key-alice')} }
listeners:
  - name: public
    kind: http
    port: 0
    portal: true
    cors:
      origins: ['${allowed.origin}', 'https://*.example.com']
      exposeHeaders: [X-Custom]
    routes:
      - { path: /orders, topic: '${topic}', virtualCluster: vc, key: { from: body, pointer: /id } }
    streams:
      - { name: orders, path: /streams/orders, virtualCluster: vc, topics: ['${topic}'] }
`)
    url = started.url
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })

  afterAll(async () => {
    await browser?.close()
    allowed.server?.close()
    other.server?.close()
  })

  async function open(origin: string): Promise<Page> {
    const page = await (browser as Browser).newPage()
    await page.goto(`${origin}/`)
    return page
  }

  /** A POST with an API key and a JSON body: not a simple request, so preflighted. */
  function postFrom(page: Page, id: string, key = 'key-alice'): Promise<string> {
    return page.evaluate(
      async ({ target, id, key }) => {
        try {
          const response = await fetch(target, {
            method: 'POST',
            headers: { 'x-api-key': key, 'content-type': 'application/json' },
            body: JSON.stringify({ id }),
          })
          const body = (await response.json()) as { detail?: string }
          return `${response.status}${body.detail ? ` ${body.detail}` : ''}`
        } catch (err) {
          return `${(err as Error).name}: ${(err as Error).message}`
        }
      },
      { target: `${url}/orders`, id, key }
    )
  }

  it('answers a preflight from an allowed origin 204 with what it may send, and refuses others', async () => {
    const preflight = {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key, content-type',
      },
    }
    const ok = await fetch(`${url}/orders`, preflight)
    expect(ok.status).toBe(204)
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
      'access-control-allow-headers': 'x-api-key, content-type',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    })
    const refused = await fetch(`${url}/orders`, {
      ...preflight,
      headers: { ...preflight.headers, origin: 'https://example.com' },
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    expect(await refused.json()).toMatchObject({
      type: expect.stringContaining('forbidden'),
      detail:
        'pages from https://example.com may not call this listener (it is not in cors.origins)',
    })
  })

  it('puts the CORS headers on answers to an allowed origin, errors and long-poll included', async () => {
    const origin = 'https://app.example.com'
    const json = { 'content-type': 'application/json', origin }
    const accepted = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, 'x-api-key': 'key-alice' },
      body: JSON.stringify({ id: 'node-1' }),
    })
    const unauthenticated = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { ...json, 'x-api-key': 'wrong' },
      body: '{}',
    })
    const notFound = await fetch(`${url}/nowhere`, { headers: { origin } })
    const poll = await fetch(`${url}/streams/orders?wait=0&api_key=key-alice`, {
      headers: { origin },
    })
    for (const [response, status] of [
      [accepted, 202],
      [unauthenticated, 401],
      [notFound, 404],
      [poll, 200],
    ] as const) {
      expect(response.status).toBe(status)
      expect(response.headers.get('access-control-allow-origin')).toBe(origin)
      expect(response.headers.get('access-control-expose-headers')).toContain('Retry-After')
      expect(response.headers.get('access-control-expose-headers')).toContain('X-Custom')
      expect(response.headers.get('vary')).toBe('Origin')
      await response.arrayBuffer()
    }
    // A route's own Vary keeps Origin in it.
    const asset = await fetch(`${url}/portal/assets/portal.js`, { headers: { origin } })
    expect(asset.status).toBe(200)
    expect(asset.headers.get('vary')).toBe('accept-encoding, Origin')
    expect(asset.headers.get('access-control-allow-origin')).toBe(origin)
    await asset.arrayBuffer()
  })

  it('refuses a request from another origin before it writes, and serves clients without Origin', async () => {
    const before = await endOffsetSum(topic)
    const refused = await fetch(`${url}/orders`, {
      method: 'POST',
      // A "simple" request a page may send without a preflight: refused all the same.
      headers: { 'content-type': 'text/plain', origin: other.origin, 'x-api-key': 'key-alice' },
      body: JSON.stringify({ id: 'refused' }),
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    const plain = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'key-alice' },
      body: JSON.stringify({ id: 'no-origin' }),
    })
    expect(plain.status).toBe(202)
    expect(plain.headers.get('access-control-allow-origin')).toBeNull()
    expect(plain.headers.get('vary')).toBe('Origin')
    // A page of the listener itself (the example page, the portal) is not another origin.
    const own = await fetch(`${url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'key-alice', origin: url },
      body: JSON.stringify({ id: 'own-page' }),
    })
    expect(own.status).toBe(202)
    expect(await endOffsetSum(topic)).toBe(before + 2)
  })

  it('lets a page of the allowed origin POST with an API key, and not a page of another', async () => {
    const page = await open(allowed.origin)
    expect(await postFrom(page, 'from-allowed')).toBe('202')
    // A refusal's problem+json is readable too: the page can tell why.
    expect(await postFrom(page, 'wrong-key', 'wrong')).toMatch(/^401 \S/)
    const stranger = await open(other.origin)
    expect(await postFrom(stranger, 'from-other')).toBe('TypeError: Failed to fetch')
    await page.close()
    await stranger.close()
  })

  it('streams records over SSE to a page of the allowed origin, and refuses another', async () => {
    const subscribe = (page: Page) =>
      page.evaluate((target) => {
        const source = new EventSource(target)
        return new Promise<string>((resolve) => {
          source.addEventListener('ready', () => {
            void fetch(target.replace(/\/streams\/orders.*/, '/orders'), {
              method: 'POST',
              headers: { 'x-api-key': 'key-alice', 'content-type': 'application/json' },
              body: JSON.stringify({ id: 'over-sse' }),
            })
          })
          source.addEventListener('record', (event) => {
            const record = JSON.parse((event as MessageEvent).data as string) as { key: string }
            if (record.key !== 'over-sse') return
            source.close()
            resolve(`record ${record.key}`)
          })
          source.onerror = () => {
            source.close()
            resolve('error')
          }
        })
      }, `${url}/streams/orders?api_key=key-alice&from=latest`)
    const page = await open(allowed.origin)
    expect(await subscribe(page)).toBe('record over-sse')
    const stranger = await open(other.origin)
    expect(await subscribe(stranger)).toBe('error')
    await page.close()
    await stranger.close()
  })

  it('opens a WebSocket from the allowed origin and refuses one from another (403 before upgrading)', async () => {
    const connect = (page: Page) =>
      page.evaluate(
        (target) => {
          const socket = new WebSocket(target, ['weir.v1', 'weir.api-key.key-alice'])
          return new Promise<string>((resolve) => {
            socket.onopen = () => {
              socket.close()
              resolve('open')
            }
            socket.onerror = () => resolve('error')
          })
        },
        `${url.replace('http', 'ws')}/streams/orders`
      )
    const page = await open(allowed.origin)
    expect(await connect(page)).toBe('open')
    const stranger = await open(other.origin)
    expect(await connect(stranger)).toBe('error')
    await page.close()
    await stranger.close()

    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WsClient(`${url.replace('http', 'ws')}/streams/orders`, ['weir.v1'], {
        origin: other.origin,
        headers: { 'x-api-key': 'key-alice' },
      })
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
      socket.on('open', () => reject(new Error('upgraded from a refused origin')))
      socket.on('error', reject)
    })
    expect(status).toBe(403)
  })
})
