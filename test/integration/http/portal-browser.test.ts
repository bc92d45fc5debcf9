// The portal page in real headless Chromium: a person authorizes with an API key in Swagger UI,
// sends an event with try-it-out, sees the 202, and the event is in Kafka. Everything the page
// loads comes from Weir (any other request fails the test), under its CSP. Chromium is required
// (the Debian package; .ci/run installs it): without it this fails, it does not skip.
import { existsSync } from 'node:fs'
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashApiKey } from '../../../src/policy/secrets.ts'
import { startTestGateway } from '../../support/gateway.ts'
import { createTopic, stack, testKafka, uniqueName } from '../../support/kafka.ts'

const CHROMIUM = '/usr/bin/chromium'

describe('developer portal in a browser', () => {
  let url = ''
  let topic = ''
  let browser: Browser | undefined
  const registry = new SchemaRegistry({ host: stack().registryUrl })

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (as .ci/run does)`)
    }
    topic = await createTopic('portal-browser')
    await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Order',
          fields: [
            { name: 'id', type: 'string' },
            { name: 'amount', type: 'double' },
          ],
        }),
      },
      { subject: `${topic}-value` }
    )
    const started = await startTestGateway(`virtualClusters:
  - name: vc
    backendCluster: main
    schemaRegistry: registry
    authentication:
      - kind: api-key
        keys: [{ principal: alice, sha256: ${hashApiKey('key-alice')} }]
    policies: [orders-schema]
policies:
  - { name: orders-schema, kind: schema, topics: ['${topic}'], value: { format: avro } }
listeners:
  - name: public
    kind: http
    port: 0
    portal: { path: /dev/portal }
    routes:
      - { name: send-order, path: /orders, topic: '${topic}', virtualCluster: vc, key: { from: body, pointer: /id } }
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
  })

  it('sends an event with try-it-out, shows the 202, and the event reaches Kafka', async () => {
    const page = await (browser as Browser).newPage()
    const problems: string[] = []
    const elsewhere: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) elsewhere.push(request.url())
    })
    await page.goto(`${url}/dev/portal`)

    // The streams section is rendered from /asyncapi.json.
    await page.locator('[data-channel="orders-websocket"] [data-message="record"]').waitFor()
    expect(await page.locator('[data-channel]').count()).toBe(2)

    // Authorize: the API key goes where the security scheme says (x-api-key).
    await page.click('.auth-wrapper button.authorize')
    await page.locator('.modal-ux input#api_key_value').first().fill('key-alice')
    await page.locator('.modal-ux button.authorize').first().click()
    await page.locator('.modal-ux button.btn-done').first().click()

    const operation = page.locator('#operations-Produce-send-order')
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.try-out__btn').click()
    const id = uniqueName('browser')
    await operation.locator('textarea.body-param__text').fill(JSON.stringify({ id, amount: 12.5 }))
    await operation.locator('button.execute').click()

    const status = operation.locator('.live-responses-table .response .response-col_status')
    await status.waitFor()
    expect((await status.textContent())?.trim()).toBe('202')
    const shown = await operation
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent()
    expect(JSON.parse(shown ?? '{}')).toMatchObject({ topic, partition: 0, offset: '0' })

    const consumer = testKafka().consumer({ groupId: uniqueName('portal-browser') })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const received = await new Promise<{ key: string; value: unknown }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no record arrived')), 20_000)
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer)
          resolve({
            key: String(message.key),
            value: await registry.decode(message.value as Buffer),
          })
        },
      })
    })
    await consumer.disconnect()
    expect(received).toEqual({ key: id, value: { id, amount: 12.5 } })

    expect(elsewhere).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })
})
