// Admin API changes outlive a restart through the state file, unless the config file was edited
// since; changes from the file clear it.
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { validateConfigObject, type ConfigDocument } from '../../src/config/index.ts'
import { ConfigStore } from '../../src/control/config-store.ts'
import { persistAdminChanges, startingDocument } from '../../src/control/state-file.ts'

const logger = pino({ level: 'silent' })
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function doc(port: number): ConfigDocument {
  const raw = {
    backendClusters: [{ name: 'main', bootstrapServers: ['127.0.0.1:9092'] }],
    virtualClusters: [{ name: 'vc', backendCluster: 'main' }],
    listeners: [{ name: 'public', kind: 'http', port }],
  }
  return { raw, config: validateConfigObject(raw) }
}

function storeOf(start: ConfigDocument): ConfigStore {
  return new ConfigStore(start, { apply: async () => undefined, check: () => undefined, logger })
}

describe('state file', () => {
  it('saves admin changes (0600) and starts from them while the file is unchanged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-state-'))
    dirs.push(dir)
    const stateFile = path.join(dir, 'state.json')
    const fileDoc = doc(8080)
    const store = storeOf(fileDoc)
    const state = persistAdminChanges(store, stateFile, fileDoc, logger)
    await store.apply(doc(8081).raw, 'admin-api')
    await state.saved()
    expect(statSync(stateFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(stateFile, 'utf8')).toContain('8081')

    const restarted = await startingDocument(fileDoc, stateFile, logger)
    expect(restarted.source).toBe('state-file')
    expect(restarted.doc.config.listeners[0]?.port).toBe(8081)
  })

  it('lets an edited config file win, and clears the state when the file is applied', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weir-state-'))
    dirs.push(dir)
    const stateFile = path.join(dir, 'state.json')
    const fileDoc = doc(8080)
    const store = storeOf(fileDoc)
    const state = persistAdminChanges(store, stateFile, fileDoc, logger)
    await store.apply(doc(8081).raw, 'admin-api')
    await state.saved()

    const edited = doc(9090)
    const restarted = await startingDocument(edited, stateFile, logger)
    expect(restarted.source).toBe('file')
    expect(restarted.doc.config.listeners[0]?.port).toBe(9090)

    await store.apply(edited.raw, 'file')
    await state.saved()
    expect(existsSync(stateFile)).toBe(false)
  })

  it('starts from the file when there is no state file or it is not valid', async () => {
    const fileDoc = doc(8080)
    expect((await startingDocument(fileDoc, undefined, logger)).source).toBe('file')
    expect((await startingDocument(fileDoc, '/nonexistent/state.json', logger)).source).toBe('file')
  })
})
