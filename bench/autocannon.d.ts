// The part of autocannon's programmatic API the bench uses; the package ships no types of its own.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Options {
    url: string
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH'
    headers?: Record<string, string>
    body?: string | Buffer
    /** Concurrent connections, each with one request in flight (without pipelining). */
    connections?: number
    /** Seconds to run. */
    duration?: number
    /** Seconds before a request counts as timed out. */
    timeout?: number
    pipelining?: number
  }

  interface Result {
    /** Seconds, rounded to 10 ms. */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }

  /**
   * Emits 'response' (client, statusCode, bytes, milliseconds) per response and 'reqError'
   * (error) per failed request; resolves with the result when the run ends.
   */
  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
  }

  function autocannon(options: Options): Instance
  export default autocannon
}
