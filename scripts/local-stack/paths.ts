// Where the local stack keeps downloads and state. Everything lives under one cache folder that
// git ignores, so a second start reuses the downloads and `rm -rf .cache` resets the machine.
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const cacheRoot = process.env.WEIR_CACHE_DIR ?? path.join(repoRoot, '.cache')

/** Pinned versions of what the stack downloads from Maven Central. */
export const versions = {
  kafka: process.env.WEIR_KAFKA_VERSION ?? '4.1.1',
  // The SLF4J 1.7 -> Log4j 2 binding of the release tarball; the kafka_2.13 POM does not pull it.
  log4j: process.env.WEIR_LOG4J_VERSION ?? '2.24.3',
  apicurio: process.env.WEIR_APICURIO_VERSION ?? '3.3.3',
} as const

export const downloadsDir = path.join(cacheRoot, 'downloads')
export const stacksDir = path.join(cacheRoot, 'stack')
