// KMS failures told to the operator. Clients are answered a short problem (errors.ts); the log gets
// what happened (the keyring's path, the provider's own words), at most once a window per KMS and
// kind of failure, so a KMS that is down does not have every request write a line.
import { KmsError, type KmsFailure } from './errors.ts'
import type { DataKey, KeyManagement } from './key-management.ts'

/** One report: the `kms:` entry's name, the failure, and how many like it were not reported. */
export type KmsFailureReport = (kms: string, err: KmsError, suppressed: number) => void

const WINDOW_MS = 10_000

/** `kms` with each failure reported through `report`, the first of each window in full. */
export function reportingFailures(
  name: string,
  kms: KeyManagement,
  report: KmsFailureReport,
  now: () => number = Date.now
): KeyManagement {
  const windows = new Map<KmsFailure, { until: number; suppressed: number }>()
  const reported = (err: unknown): never => {
    if (err instanceof KmsError) {
      const window = windows.get(err.failure)
      const at = now()
      if (window !== undefined && at < window.until) window.suppressed++
      else {
        report(name, err, window?.suppressed ?? 0)
        windows.set(err.failure, { until: at + WINDOW_MS, suppressed: 0 })
      }
    }
    throw err
  }
  return {
    generateDataKey: (kekId: string): Promise<DataKey> =>
      kms.generateDataKey(kekId).catch(reported),
    unwrapDataKey: (kekId: string, wrapped: Buffer): Promise<Buffer> =>
      kms.unwrapDataKey(kekId, wrapped).catch(reported),
    close: () => kms.close(),
  }
}
