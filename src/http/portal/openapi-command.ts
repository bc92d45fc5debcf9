// `weir openapi -c FILE [--listener NAME] [--format json|yaml] [--asyncapi]`: prints the document
// an http listener's portal serves, generated the same way (with its registry schemas, looked
// up now), with the listener's own address as the server.
import path from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import {
  ConfigError,
  formatIssue,
  loadConfigFile,
  type HttpListenerConfig,
} from '../../config/index.ts'
import { DocumentCache, withHost } from './document-cache.ts'
import { SchemaSources } from './schema-sources.ts'

export const OPENAPI_USAGE = `usage: weir openapi -c FILE [--listener NAME] [--format json|yaml] [--asyncapi]

Prints the OpenAPI 3.1 document of an http listener's routes (with --asyncapi, the AsyncAPI 3
document of its streams), as its portal serves them. --listener is needed when the file has more
than one http listener. Exits 1, after printing, if a schema could not be read.`

export async function openapiCommand(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        listener: { type: 'string' },
        format: { type: 'string', default: 'json' },
        asyncapi: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    console.error(`weir openapi: ${(err as Error).message}\n\n${OPENAPI_USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(OPENAPI_USAGE)
    return 0
  }
  if (!values.config || (values.format !== 'json' && values.format !== 'yaml')) {
    console.error(
      `weir openapi: ${values.config ? '--format is json or yaml' : '-c FILE is required'}\n\n${OPENAPI_USAGE}`
    )
    return 2
  }
  try {
    const config = await loadConfigFile(values.config)
    const http = config.listeners.filter((l): l is HttpListenerConfig => l.kind === 'http')
    const names = http.map((l) => `"${l.name}"`).join(', ') || 'none'
    const listener =
      values.listener === undefined && http.length === 1
        ? http[0]
        : http.find((l) => l.name === values.listener)
    if (listener === undefined) {
      const problem =
        values.listener === undefined
          ? 'choose one with --listener'
          : `no http listener "${values.listener}"`
      console.error(`weir openapi: ${problem} (http listeners: ${names})`)
      return 2
    }
    const host = `${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${listener.port}`
    const cache = new DocumentCache({
      listener,
      config,
      sources: new SchemaSources(config, { baseDir: path.dirname(path.resolve(values.config)) }),
      refreshMs: 0,
      serverUrl: `${listener.tls ? 'https' : 'http'}://${host}`,
    })
    const documents = await cache.documents()
    const document = values.asyncapi ? withHost(documents.asyncapi, host) : documents.openapi
    process.stdout.write(
      values.format === 'json'
        ? `${JSON.stringify(document, null, 2)}\n`
        : stringify(document, { aliasDuplicateObjects: false })
    )
    for (const { name, reason } of documents.unavailable) {
      console.error(
        `weir openapi: schema "${name}" could not be read, shown as any JSON: ${reason}`
      )
    }
    return documents.unavailable.length > 0 ? 1 : 0
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.source}: invalid configuration`)
      for (const issue of err.issues) console.error(`  - ${formatIssue(issue)}`)
    } else {
      console.error(`weir openapi: ${err instanceof Error ? err.message : String(err)}`)
    }
    return 1
  }
}
