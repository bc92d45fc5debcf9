// The first bytes of an accepted connection, read before anything else sees them (a PROXY
// protocol header, a TLS ClientHello): the socket is read until a scan decides, then paused, so
// the caller can put back what the next reader must see (socket.unshift) and hand it on.
import type { Socket } from 'node:net'

export interface FirstBytes<T> {
  /** What the scan decided. */
  result: T
  /** Every byte read, the scanned ones included. */
  buffered: Buffer
}

/**
 * Reads until `scan` answers (undefined: it needs more bytes). Resolves with its answer, or with
 * undefined when the peer closed without sending a byte; rejects with `errors.timeout` when
 * `timeoutMs` pass first, or `errors.closed` when the peer closes midway.
 */
export function readFirstBytes<T>(
  socket: Socket,
  timeoutMs: number,
  scan: (buffered: Buffer) => T | undefined,
  errors: { timeout: string; closed: string }
): Promise<FirstBytes<T> | undefined> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0)
    const done = (): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onEnd)
      socket.pause()
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(errors.timeout))
    }, timeoutMs)
    const onEnd = (): void => {
      done()
      if (buffered.length === 0) resolve(undefined)
      else reject(new Error(errors.closed))
    }
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      const result = scan(buffered)
      if (result === undefined) return
      done()
      resolve({ result, buffered })
    }
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onEnd)
    // A socket an earlier reader paused (after a PROXY header, say) flows again.
    socket.resume()
  })
}
