// The example page in real headless Chromium: it subscribes over WebSocket and over SSE, and a
// record posted from its form and one posted over HTTP from here both appear on it. Chromium is
// required (the Debian package; .ci/run installs it): without it this fails, it does not skip.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scriptJson } from '../../../src/http/example-page/example-page.ts'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic } from '../../support/kafka.ts'

const CHROMIUM = '/usr/bin/chromium'

describe('example page', () => {
  let url = ''
  let withoutPage = ''
  let browser: Browser | undefined

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (as .ci/run does)`)
    }
    const topic = await createTopic('example-page')
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
    routes:
      - { path: /orders, topic: '${topic}', virtualCluster: vc, key: { from: body, pointer: /id } }
    streams:
      - { name: orders, path: /streams/orders, virtualCluster: vc, topics: ['${topic}'] }
    examplePage: { path: /demo }
  - name: plain
    kind: http
    port: 0
    streams:
      - { path: /streams/orders, virtualCluster: vc, topics: ['${topic}'] }
`)
    url = started.url
    withoutPage = started.gateway.listeners[1]?.url ?? ''
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })

  afterAll(async () => {
    await browser?.close()
  })

  /** Opens the page and fails the test on any script error or CSP violation it logs. */
  async function openPage(query = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await (browser as Browser).newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('console', (message) => {
      // A refused WebSocket or SSE request is logged by Chromium itself; those are expected.
      const text = message.text()
      if (message.type() === 'error' && !/status of 40\d|WebSocket connection/.test(text)) {
        problems.push(text)
      }
    })
    await page.goto(`${url}/demo${query}`)
    return { page, problems }
  }

  async function connect(page: Page, protocol: 'websocket' | 'sse', key: string): Promise<void> {
    await page.fill('#api-key', key)
    await page.check(`input[name=protocol][value=${protocol}]`)
    await page.click('#connect')
  }

  it('is served with a strict CSP, nosniff, and the listener paths as escaped JSON', async () => {
    const response = await fetch(`${url}/demo`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const csp = response.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+={0,2}'(;|$)/)
    expect(csp).toContain("connect-src 'self'")
    const html = await response.text()
    expect(html).toContain('"path":"/streams/orders"')
    expect(html).toContain('{"method":"POST","path":"/orders"}')
    const hostile = { path: '/x</script><script>alert(1)</script>' }
    expect(scriptJson(hostile)).not.toContain('<')
    expect(JSON.parse(scriptJson(hostile))).toEqual(hostile)
  })

  it('is not served where the listener does not enable it', async () => {
    expect((await fetch(`${withoutPage}/example`)).status).toBe(404)
    expect((await fetch(`${withoutPage}/demo`)).status).toBe(404)
    expect((await fetch(`${url}/example`)).status).toBe(404)
  })

  for (const protocol of ['websocket', 'sse'] as const) {
    it(`shows records posted from the page and over HTTP, subscribed over ${protocol}`, async () => {
      const { page, problems } = await openPage()
      expect(await page.inputValue('#stream')).toBe('/streams/orders')
      expect(await page.inputValue('#route')).toBe('/orders')
      await connect(page, protocol, 'key-alice')
      await page.locator('#state', { hasText: 'subscribed' }).waitFor()

      await page.fill('#event', JSON.stringify({ id: `page-${protocol}`, amount: 1 }))
      await page.click('#send')
      const posted = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'x-api-key': 'key-alice', 'content-type': 'application/json' },
        body: JSON.stringify({ id: `http-${protocol}`, amount: 2 }),
      })
      expect(posted.status).toBe(202)

      for (const [key, amount] of [
        [`page-${protocol}`, 1],
        [`http-${protocol}`, 2],
      ] as const) {
        const item = page.locator(`#records li[data-key="${key}"]`)
        await item.waitFor()
        expect(await item.getAttribute('data-via')).toBe(protocol)
        expect(await item.textContent()).toContain(`"amount":${amount}`)
      }
      await page.locator('#activity li', { hasText: 'POST /orders: 202' }).waitFor()
      await page.click('#disconnect')
      expect(await page.textContent('#state')).toBe('disconnected')
      expect(problems).toEqual([])
      await page.close()
    })
  }

  it('shows why a connection or a post was refused', async () => {
    const { page } = await openPage('?stream=/streams/orders')
    await connect(page, 'sse', 'wrong-key')
    // EventSource hides the answer; the page asks again and shows the problem+json.
    await page.locator('#activity li.error', { hasText: '401' }).waitFor()
    expect(await page.textContent('#state')).toBe('disconnected')
    await connect(page, 'websocket', 'wrong-key')
    await page.locator('#activity li.error', { hasText: 'WebSocket refused' }).waitFor()
    await page.fill('#route', '/nowhere')
    await page.click('#send')
    await page.locator('#activity li.error', { hasText: '404 Not Found: no route' }).waitFor()
    await page.close()
  })
})
