/* global document, window, fetch, SwaggerUIBundle */
// The portal page: Swagger UI over the listener's OpenAPI document (try-it-out sends to this
// origin), and a plain rendering of its AsyncAPI document's channels and messages. Everything
// is built with DOM calls and textContent: nothing from the documents is parsed as HTML.
'use strict'

const config = JSON.parse(document.getElementById('weir-portal').textContent)

document.getElementById('listener').textContent = `· ${config.listener}`
for (const [id, href] of Object.entries({
  'openapi-json': config.openapi,
  'openapi-yaml': config.openapiYaml,
  'asyncapi-json': config.asyncapi,
  'asyncapi-yaml': config.asyncapiYaml,
})) {
  document.getElementById(id).setAttribute('href', href)
}

window.ui = SwaggerUIBundle({
  url: config.openapi,
  dom_id: '#swagger-ui',
  deepLinking: true,
  displayRequestDuration: true,
  // Nothing may leave for swagger.io: the page's CSP would refuse it anyway.
  validatorUrl: null,
})

function element(tag, attributes, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, value)
  for (const child of children) {
    node.append(typeof child === 'string' ? document.createTextNode(child) : child)
  }
  return node
}

/** Follows `#/...` references into the document, marking where each came from. */
function expand(node, doc, depth) {
  if (Array.isArray(node)) return node.map((item) => expand(item, doc, depth))
  if (node === null || typeof node !== 'object') return node
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/') && depth < 6) {
    const target = node.$ref
      .slice(2)
      .split('/')
      .reduce((at, key) => at?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc)
    if (target !== undefined) {
      const { $ref, ...rest } = node
      return { 'x-from': $ref, ...expand(target, doc, depth + 1), ...rest }
    }
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v, doc, depth)]))
}

function renderMessage(message, direction, doc) {
  const resolved = expand(message, doc, 0)
  const payload = JSON.stringify(resolved.payload ?? {}, null, 2)
  return element(
    'div',
    { class: 'message', 'data-message': resolved.name ?? '' },
    element('span', { class: 'direction' }, direction),
    element('strong', {}, resolved.name ?? ''),
    ` ${resolved.summary ?? ''}`,
    element('details', {}, element('summary', {}, 'payload schema'), element('pre', {}, payload))
  )
}

function renderChannel(id, channel, doc) {
  const server = (channel.servers ?? [])
    .map((ref) => expand(ref, doc, 0).protocol)
    .filter(Boolean)
    .join(', ')
  const directions = new Map()
  for (const operation of Object.values(doc.operations ?? {})) {
    if (operation.channel?.$ref !== `#/channels/${id}`) continue
    for (const ref of operation.messages ?? []) {
      const name = ref.$ref.slice(ref.$ref.lastIndexOf('/') + 1)
      directions.set(name, operation.action === 'send' ? 'server → client' : 'client → server')
    }
  }
  const messages = Object.entries(channel.messages ?? {}).map(([name, message]) =>
    renderMessage(message, directions.get(name) ?? '', doc)
  )
  return element(
    'article',
    { class: 'channel', 'data-channel': id },
    element('h3', {}, channel.title ?? id, element('span', { class: 'protocol' }, server)),
    element('p', {}, element('span', { class: 'address' }, `GET ${channel.address}`)),
    element('p', {}, channel.description ?? ''),
    ...messages
  )
}

async function renderStreams() {
  const target = document.getElementById('asyncapi')
  try {
    const response = await fetch(config.asyncapi)
    if (!response.ok) throw new Error(`${config.asyncapi}: ${response.status}`)
    const doc = await response.json()
    const channels = Object.entries(doc.channels ?? {})
    target.replaceChildren(
      ...(channels.length === 0
        ? [element('p', {}, 'This listener has no WebSocket or Server-Sent Events streams.')]
        : channels.map(([id, channel]) => renderChannel(id, channel, doc)))
    )
  } catch (err) {
    target.replaceChildren(element('p', { class: 'error' }, `The streams cannot be shown: ${err}`))
  }
}

renderStreams()
