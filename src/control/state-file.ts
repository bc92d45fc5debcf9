// Changes made through the admin API outlive a restart: each one is saved to the state file
// (`admin.stateFile`, mode 0600: it holds secrets) together with the ETag of the config file
// document it was made on top of. At start, the saved document is taken if the config file is
// still that document; if the file changed since (someone edited it while the node was down), the
// file wins, as it does when it changes while the node runs. Last writer wins, nothing is lost
// silently: every choice is logged.
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { validateConfigObject, type ConfigDocument } from '../config/index.ts'
import type { Logger } from '../observability/logger.ts'
import { etagOf, type ConfigStore } from './config-store.ts'

interface SavedState {
  /** ETag of the config file's document the saved one was made on top of. */
  baseline: string
  config: Record<string, unknown>
}

/** The document to start from: the saved one when the config file has not changed since. */
export async function startingDocument(
  fileDoc: ConfigDocument,
  stateFile: string | undefined,
  logger: Logger
): Promise<{ doc: ConfigDocument; source: 'file' | 'state-file' }> {
  if (stateFile === undefined) return { doc: fileDoc, source: 'file' }
  let saved: SavedState
  try {
    saved = JSON.parse(await readFile(stateFile, 'utf8')) as SavedState
  } catch {
    return { doc: fileDoc, source: 'file' }
  }
  if (saved.baseline !== etagOf(fileDoc.raw)) {
    logger.warn(
      { stateFile },
      'the config file changed since the admin API last saved: starting from the file'
    )
    return { doc: fileDoc, source: 'file' }
  }
  try {
    const config = validateConfigObject(saved.config, stateFile)
    logger.info({ stateFile }, 'starting from the configuration the admin API saved')
    return { doc: { raw: saved.config, config }, source: 'state-file' }
  } catch (err) {
    logger.error({ stateFile, err }, 'the saved configuration is not valid: starting from the file')
    return { doc: fileDoc, source: 'file' }
  }
}

/** Keeps the state file in step with the store: admin changes saved, file changes clearing it. */
export function persistAdminChanges(
  store: ConfigStore,
  stateFile: string | undefined,
  fileDoc: ConfigDocument,
  logger: Logger
): { saved(): Promise<void> } {
  let writing: Promise<void> = Promise.resolve()
  /** Resolves once every change applied so far is on disk (or failed and was logged). */
  const saved = () => writing
  if (stateFile === undefined) return { saved }
  let baseline = etagOf(fileDoc.raw)
  store.onApplied(({ raw, version }) => {
    writing = writing.then(async () => {
      try {
        if (version.source === 'file') {
          // The file is the truth again.
          baseline = etagOf(raw)
          await rm(stateFile, { force: true })
          return
        }
        const state: SavedState = { baseline, config: raw }
        await writeFile(`${stateFile}.tmp`, JSON.stringify(state), { mode: 0o600 })
        await rename(`${stateFile}.tmp`, stateFile)
      } catch (err) {
        logger.error({ err, stateFile }, 'could not save the configuration to the state file')
      }
    })
  })
  return { saved }
}
