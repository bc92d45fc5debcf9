// Real curl against a Weir listener: what a user types, TLS client certificates included. A
// streaming answer (SSE) is read up to the first event the caller waits for, then curl is ended.
import { spawn } from 'node:child_process'

export interface CurlAnswer {
  /** The HTTP status, or 0 when curl got none (a refused TLS handshake). */
  status: number
  headers: Record<string, string>
  body: string
  /** curl's exit code (undefined when it was ended after `until`). */
  exitCode: number | undefined
  stderr: string
}

export interface CurlOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** PEM file paths: the CA the server certificate chains to, and a client certificate. */
  tls?: { cacert: string; cert?: string; key?: string }
  /** For a streaming 2xx answer: resolve (and end curl) once the body so far satisfies it. */
  until?: (body: string) => boolean
  timeoutMs?: number
}

export function curl(url: string, options: CurlOptions = {}): Promise<CurlAnswer> {
  const args = ['-sS', '-i', '-N', '--http1.1', '-X', options.method ?? 'GET']
  if (options.tls) {
    args.push('--cacert', options.tls.cacert)
    if (options.tls.cert) args.push('--cert', options.tls.cert)
    if (options.tls.key) args.push('--key', options.tls.key)
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push('-H', `${name}: ${value}`)
  }
  if (options.body !== undefined) args.push('--data-binary', options.body)
  args.push('--max-time', String(Math.ceil((options.timeoutMs ?? 15_000) / 1000)), url)

  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    let done = false
    const finish = (exitCode: number | undefined) => {
      if (done) return
      done = true
      resolve({ ...parse(out), exitCode, stderr })
    }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const answer = parse(out)
      if (options.until && answer.status >= 200 && answer.status < 300) {
        if (options.until(answer.body)) {
          finish(undefined)
          child.kill()
        }
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => finish(code ?? undefined))
  })
}

function parse(out: string): Pick<CurlAnswer, 'status' | 'headers' | 'body'> {
  const end = out.indexOf('\r\n\r\n')
  if (end === -1) return { status: 0, headers: {}, body: '' }
  const [statusLine = '', ...lines] = out.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: out.slice(end + 4) }
}
