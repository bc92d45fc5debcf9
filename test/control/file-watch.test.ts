// The config file watch: a file replaced in place, and a Kubernetes ConfigMap volume, whose file of
// the config's name never changes (a symlink through `..data`, swapped by the kubelet).
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConfigStore } from '../../src/control/config-store.ts'
import { watchConfigFile, type FileWatch } from '../../src/control/file-watch.ts'
import { createLogger } from '../../src/observability/logger.ts'

const config = (
  port: number
) => `backendClusters: [{ name: local, bootstrapServers: 127.0.0.1:9092 }]
virtualClusters: [{ name: vc, backendCluster: local }]
listeners: [{ name: public, kind: http, port: ${port} }]
`

/** A store that records the listener port of every document it is handed. */
function recordingStore() {
  const ports: number[] = []
  let arrived: () => void = () => {}
  const store = {
    apply: async (raw: { listeners: { port: number }[] }) => {
      ports.push(raw.listeners[0]!.port)
      arrived()
      return { applied: undefined, result: undefined, changed: true }
    },
  } as unknown as ConfigStore
  const next = () => new Promise<void>((resolve) => (arrived = resolve))
  return { store, ports, next }
}

const watches: FileWatch[] = []
afterEach(() => {
  for (const w of watches.splice(0)) w.close()
})

const logger = createLogger({ level: 'silent', pretty: false })

describe('the config file watch', () => {
  it('applies a file replaced by rename, as editors save', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-watch-'))
    const file = path.join(dir, 'weir.yaml')
    writeFileSync(file, config(8080))
    const { store, ports, next } = recordingStore()
    watches.push(watchConfigFile(file, store, logger, 20))
    const arrived = next()
    writeFileSync(path.join(dir, '.weir.yaml.swp'), config(8081))
    renameSync(path.join(dir, '.weir.yaml.swp'), file)
    await arrived
    expect(ports).toEqual([8081])
  })

  it('applies a ConfigMap update: the ..data symlink swapped to a new folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-configmap-'))
    const version = (name: string, port: number) => {
      mkdirSync(path.join(dir, name))
      writeFileSync(path.join(dir, name, 'weir.yaml'), config(port))
    }
    version('..2026_12_06_09_00_00.1', 8080)
    symlinkSync('..2026_12_06_09_00_00.1', path.join(dir, '..data'))
    symlinkSync('..data/weir.yaml', path.join(dir, 'weir.yaml'))
    const { store, ports, next } = recordingStore()
    watches.push(watchConfigFile(path.join(dir, 'weir.yaml'), store, logger, 20))
    const arrived = next()
    // What the kubelet's atomic writer does: a new folder, a new link, renamed over ..data.
    version('..2026_12_06_09_05_00.2', 8082)
    symlinkSync('..2026_12_06_09_05_00.2', path.join(dir, '..data_tmp'))
    renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'))
    await arrived
    expect(ports).toEqual([8082])
  })
})
