// SSE and long-poll requests on stream paths, served straight from node:http ahead of hono (a
// stream writes for as long as the client listens, and needs the socket's backpressure). One
// path serves both: `Accept: text/event-stream` asks for SSE, anything else for long-poll.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { nodeClient } from '../credentials.ts'
import { sendReply } from '../node-reply.ts'
import type { FastPath } from '../produce/fast-path.ts'
import { admit, type StreamDoorDeps, type StreamMatch, type StreamMatcher } from './admission.ts'
import { LongPollDoor } from './long-poll.ts'
import { streamSse } from './sse.ts'

export interface StreamRequests {
  handle: FastPath
  /** Ends parked long-poll sessions (shutdown). */
  close(): void
}

export function streamRequests(deps: StreamDoorDeps, match: StreamMatcher): StreamRequests {
  const longPoll = new LongPollDoor(deps)
  const handle: FastPath = (request, response) => {
    if (request.method !== 'GET') return false
    const url = new URL(request.url ?? '/', 'http://weir')
    let matched: StreamMatch | undefined
    try {
      matched = match(url.pathname)
    } catch (err) {
      sendReply(response, deps.lifecycle.errorReply(err, { path: url.pathname }))
      return true
    }
    if (matched === undefined) return false
    const sse = (request.headers.accept ?? '').includes('text/event-stream')
    const served = sse
      ? serveSse(deps, matched, url, request, response)
      : servePoll(deps, longPoll, matched, url, request, response)
    served.catch((err: unknown) => {
      if (response.headersSent) {
        response.destroy()
        return
      }
      sendReply(response, deps.lifecycle.errorReply(err, { stream: matched.endpoint.name }))
    })
    return true
  }
  return { handle, close: () => longPoll.close() }
}

async function serveSse(
  deps: StreamDoorDeps,
  { endpoint, params }: StreamMatch,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse
): Promise<void> {
  const client = nodeClient(request)
  const admission = await admit(deps, { endpoint, params }, 'sse', {
    ...client,
    query: url.searchParams,
    cursor: client.headers.get('last-event-id'),
  })
  const lease = await deps.service.admit(endpoint, admission.principal, 'sse')
  let session
  try {
    session = await deps.service.open({
      endpoint,
      door: 'sse',
      principal: admission.principal,
      topics: admission.topics,
      start: admission.start,
      cursor: admission.cursor,
      ackOnTake: true,
      seedCursor: true,
      onEnd: () => lease.release(),
    })
  } catch (err) {
    lease.release()
    throw err
  }
  if (response.socket === null || response.socket.destroyed) {
    await session.close()
    return
  }
  streamSse(response, session, admission, { heartbeatMs: endpoint.config.heartbeatMs })
}

async function servePoll(
  deps: StreamDoorDeps,
  longPoll: LongPollDoor,
  match: StreamMatch,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse
): Promise<void> {
  const admission = await admit(deps, match, 'long-poll', {
    ...nodeClient(request),
    query: url.searchParams,
  })
  let gone = false
  const aborted = new Promise<void>((resolve) =>
    response.once('close', () => {
      // Closed before the answer was written: the client left.
      gone = !response.writableFinished
      resolve()
    })
  )
  await longPoll.poll(
    {
      endpoint: match.endpoint,
      admission,
      query: url.searchParams,
      cursorText: url.searchParams.get('cursor'),
      aborted,
      gone: () => gone,
    },
    response
  )
}
