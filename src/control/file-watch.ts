// Applies the config file when it changes. Editors and config management replace files rather
// than write them in place, so the folder is watched and the file read again after a short quiet
// period; a document that did not change (same content) is not applied again. A Kubernetes
// ConfigMap volume changes no file of the config's name: the file is a symlink through `..data`,
// which the kubelet swaps to a new `..<timestamp>` folder, so events on those names count too.
import { watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import { ConfigError, loadConfigDocument } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'
import type { ConfigStore } from './config-store.ts'

export interface FileWatch {
  close(): void
}

export function watchConfigFile(
  file: string,
  store: ConfigStore,
  logger: Logger,
  quietMs = 200
): FileWatch {
  const absolute = path.resolve(file)
  let timer: NodeJS.Timeout | undefined
  const reload = async () => {
    try {
      const doc = await loadConfigDocument(absolute)
      await store.apply(doc.raw, 'file')
    } catch (err) {
      // The store logged a rejection already; a file that does not load (YAML, ${ENV}, schema or
      // references: loading validates) is logged here.
      if (err instanceof ConfigError) {
        logger.error(
          { file, issues: err.issues },
          'config file not applied: it is not a valid configuration; the running one stays'
        )
      }
    }
  }
  const watcher: FSWatcher = watch(path.dirname(absolute), (_event, name) => {
    if (name !== null && name !== path.basename(absolute) && !name.startsWith('..')) return
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), quietMs)
  })
  watcher.on('error', (err) => logger.error({ err, file }, 'config file watch failed'))
  return {
    close() {
      clearTimeout(timer)
      watcher.close()
    },
  }
}
