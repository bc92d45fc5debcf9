// The admin listener of a node, kept in step with the config: token changes apply to the next
// request; a changed address or TLS setting restarts the admin listener alone.
import { isDeepStrictEqual } from 'node:util'
import type { AdminConfig } from '../config/index.ts'
import { createAdminApp, type AdminAppDeps } from '../admin/admin-app.ts'
import { startAdminServer, type RunningAdminServer } from '../admin/admin-server.ts'

export interface AdminListener {
  readonly url: string | undefined
  close(): Promise<void>
}

export async function startAdminListener(
  deps: Omit<AdminAppDeps, 'admin'>
): Promise<AdminListener> {
  const { store, logger } = deps
  let settings: AdminConfig | undefined = store.current.config.admin
  const app = createAdminApp({ ...deps, admin: () => settings as AdminConfig })
  let server: RunningAdminServer | undefined =
    settings === undefined ? undefined : await startAdminServer(settings, app.fetch)
  if (server) logger.info({ url: server.url }, 'admin listener started')
  let restarting: Promise<void> = Promise.resolve()
  const unwatch = store.onApplied(({ config }) => {
    const next = config.admin
    const before = settings
    const address = (a: AdminConfig | undefined) => a && { host: a.host, port: a.port, tls: a.tls }
    const restart = !isDeepStrictEqual(address(before), address(next))
    settings = next
    if (!restart) return
    restarting = restarting
      .then(async () => {
        const old = server
        if (next === undefined) {
          server = undefined
          await old?.close()
          logger.warn('admin listener closed: the configuration has no admin section')
          return
        }
        // On a new address the new listener starts first: if it cannot (the port is taken), the
        // old one stays and the API remains reachable. On the same address it cannot, so the old
        // one closes first and comes back if the new one fails.
        const moved = before === undefined || before.host !== next.host || before.port !== next.port
        if (!moved) await old?.close()
        try {
          server = await startAdminServer(next, app.fetch)
        } catch (err) {
          if (!moved && before !== undefined) server = await startAdminServer(before, app.fetch)
          logger.error(
            { err, url: server?.url },
            'admin listener could not start on its new settings: it stays on its old ones'
          )
          return
        }
        if (moved) await old?.close()
        logger.info({ url: server.url }, 'admin listener restarted')
      })
      .catch((err: unknown) => logger.error({ err }, 'admin listener could not restart'))
  })
  return {
    get url() {
      return server?.url
    },
    async close() {
      unwatch()
      await restarting
      await server?.close()
    },
  }
}
