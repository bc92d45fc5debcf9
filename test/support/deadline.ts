// A bound on one step of a test's setup. A hook that times out says only that it did; a step that
// times out says which call got no answer, from whom, so a slow broker or registry is named.

/** `work`, or a rejection naming `what`: its own failure, or `ms` passing without it settling. */
export async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  const failed = work.catch((err: unknown) => {
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  })
  try {
    return await Promise.race([failed, late])
  } finally {
    clearTimeout(timer)
  }
}
