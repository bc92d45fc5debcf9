// CRUD over the entities of the running configuration. Every change is an edit of the whole
// document that goes through the config store like any other: validated whole, applied, versioned.
// Items are addressed by name (by path for a listener's routes and streams); secrets read back as
// a marker and are kept when the marker is sent back (see control/secrets.ts).
import { Hono, type Context } from 'hono'
import { problem } from '../core/problem.ts'
import { problemResponse } from '../http/problem-response.ts'
import { redactSecrets, restoreSecrets } from '../control/secrets.ts'
import type { ConfigStore } from '../control/config-store.ts'
import { applyDocument, readJson } from './config-routes.ts'

/** URL segment → key of the document's top-level list. */
const collections: Record<string, string> = {
  'backend-clusters': 'backendClusters',
  'schema-registries': 'schemaRegistries',
  'virtual-clusters': 'virtualClusters',
  listeners: 'listeners',
  policies: 'policies',
}

type Item = Record<string, unknown>

/** One list in the document and how its items are named. */
interface Target {
  /** What the problem details call the list. */
  what: string
  idKey: 'name' | 'path'
  items(doc: Item): Item[] | undefined
  /** A copy of `doc` with the list replaced. */
  withItems(doc: Item, items: Item[]): Item
}

export function entityRoutes(store: ConfigStore): Hono {
  const app = new Hono()
  for (const [segment, key] of Object.entries(collections)) {
    const target: Target = {
      what: segment,
      idKey: 'name',
      items: (doc) => asList(doc[key]),
      withItems: (doc, items) => ({ ...doc, [key]: items }),
    }
    mount(app, `/v1/${segment}`, () => target, store)
  }
  for (const nested of ['routes', 'streams'] as const) {
    mount(
      app,
      `/v1/listeners/:listener/${nested}`,
      (c) => {
        const listener = c.req.param('listener') as string
        const listenerOf = (doc: Item) => asList(doc.listeners)?.find((l) => l.name === listener)
        return {
          what: `${nested} of listener "${listener}"`,
          idKey: 'path',
          items: (doc) => {
            const found = listenerOf(doc)
            return found === undefined ? undefined : (asList(found[nested]) ?? [])
          },
          withItems: (doc, items) => ({
            ...doc,
            listeners: (asList(doc.listeners) ?? []).map((l) =>
              l.name === listener ? { ...l, [nested]: items } : l
            ),
          }),
        }
      },
      store
    )
  }
  return app
}

function mount(app: Hono, base: string, targetOf: (c: Context) => Target, store: ConfigStore) {
  const notFound = (c: Context, detail: string) =>
    problemResponse(c, problem(404, 'not-found', 'Not Found', detail))
  const listOf = (_c: Context, target: Target) => target.items(store.current.raw)

  app.get(base, (c) => {
    const target = targetOf(c)
    const items = listOf(c, target)
    if (items === undefined) return notFound(c, `no ${target.what}`)
    return c.json({ items: redactSecrets(items), version: store.current.version })
  })
  app.post(base, async (c) => {
    const target = targetOf(c)
    const body = await readJson(c)
    if (body instanceof Response) return body
    const items = listOf(c, target)
    if (items === undefined) return notFound(c, `no ${target.what}`)
    const id = body[target.idKey]
    if (typeof id !== 'string') {
      return problemResponse(
        c,
        problem(400, 'bad-request', 'Bad Request', `the item needs a "${target.idKey}"`)
      )
    }
    if (items.some((item) => item[target.idKey] === id)) {
      return problemResponse(
        c,
        problem(409, 'conflict', 'Conflict', `${target.what} already has "${id}": PUT it instead`)
      )
    }
    const doc = target.withItems(store.current.raw, [...items, body])
    return applyDocument(c, store, doc, 201)
  })
  app.get(`${base}/:id`, (c) => {
    const target = targetOf(c)
    const id = c.req.param('id')
    const item = listOf(c, target)?.find((i) => i[target.idKey] === id)
    if (item === undefined) return notFound(c, `${target.what} has no "${id}"`)
    return c.json(redactSecrets(item), 200, { etag: store.current.version.etag })
  })
  app.put(`${base}/:id`, async (c) => {
    const target = targetOf(c)
    const id = c.req.param('id') as string
    const body = await readJson(c)
    if (body instanceof Response) return body
    const items = listOf(c, target)
    if (items === undefined) return notFound(c, `no ${target.what}`)
    if (body[target.idKey] !== undefined && body[target.idKey] !== id) {
      return problemResponse(
        c,
        problem(
          400,
          'bad-request',
          'Bad Request',
          `the body's ${target.idKey} "${String(body[target.idKey])}" is not "${id}" from the URL`
        )
      )
    }
    const index = items.findIndex((i) => i[target.idKey] === id)
    let item: Item
    try {
      item = restoreSecrets({ ...body, [target.idKey]: id }, items[index]) as Item
    } catch (err) {
      return problemResponse(c, problem(400, 'bad-request', 'Bad Request', (err as Error).message))
    }
    const next = index < 0 ? [...items, item] : items.map((old, i) => (i === index ? item : old))
    return applyDocument(c, store, target.withItems(store.current.raw, next), index < 0 ? 201 : 200)
  })
  app.delete(`${base}/:id`, async (c) => {
    const target = targetOf(c)
    const id = c.req.param('id')
    const items = listOf(c, target)
    if (items === undefined || !items.some((i) => i[target.idKey] === id)) {
      return notFound(c, `${target.what} has no "${id}"`)
    }
    const next = items.filter((i) => i[target.idKey] !== id)
    return applyDocument(c, store, target.withItems(store.current.raw, next), 200)
  })
}

function asList(value: unknown): Item[] | undefined {
  return Array.isArray(value) ? (value as Item[]) : undefined
}
