// Answers written straight to node:http (the produce fast path and the streaming doors, which
// run ahead of hono): JSON replies, and any error as problem+json through the one mapping.
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { PROBLEM_CONTENT_TYPE } from '../core/problem.ts'
import type { HttpReply } from './exchange.ts'

export function sendReply(response: ServerResponse, reply: HttpReply): void {
  const body = reply.json ?? JSON.stringify(reply.body)
  const headers: Record<string, string | number> = {
    'content-type': reply.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json',
    'content-length': Buffer.byteLength(body),
  }
  Object.assign(headers, reply.headers)
  response.writeHead(reply.status, headers)
  response.end(body)
}

/** Answers an upgrade request with an HTTP error instead of switching protocols. */
export function rejectUpgrade(socket: Duplex, reply: HttpReply): void {
  if (socket.destroyed) return
  const body = JSON.stringify(reply.body)
  const head = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? 'Error'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(reply.headers).map(([name, value]) => `${name}: ${value}`),
  ]
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`)
}
