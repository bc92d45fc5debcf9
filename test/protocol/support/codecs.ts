// Every generated message with its schema and its read and write functions, for tests that run
// over all of them.
import { apis } from '../../../src/protocol/generated/apis.ts'
import {
  readRequestHeader,
  writeRequestHeader,
} from '../../../src/protocol/generated/messages/request-header.ts'
import {
  readResponseHeader,
  writeResponseHeader,
} from '../../../src/protocol/generated/messages/response-header.ts'
import { messageSchemas, type MessageSchema } from '../../../src/protocol/generated/schema.ts'
import type { Reader } from '../../../src/protocol/reader.ts'
import type { Writer } from '../../../src/protocol/writer.ts'

export interface MessageCodec {
  schema: MessageSchema
  read(r: Reader, version: number): unknown
  write(w: Writer, version: number, message: unknown): void
}

function schema(name: string): MessageSchema {
  const found = messageSchemas[name]
  if (!found) throw new Error(`no schema for ${name}`)
  return found
}

export const messageCodecs: MessageCodec[] = [
  {
    schema: schema('RequestHeader'),
    read: readRequestHeader,
    write: (w, v, m) => writeRequestHeader(w, v, m as never),
  },
  {
    schema: schema('ResponseHeader'),
    read: readResponseHeader,
    write: (w, v, m) => writeResponseHeader(w, v, m as never),
  },
  ...Object.values(apis).flatMap((api): MessageCodec[] => [
    {
      schema: schema(`${api.name}Request`),
      read: (r, v) => api.readRequest(r, v),
      write: (w, v, m) => api.writeRequest(w, v, m as never),
    },
    {
      schema: schema(`${api.name}Response`),
      read: (r, v) => api.readResponse(r, v),
      write: (w, v, m) => api.writeResponse(w, v, m as never),
    },
  ]),
]

/** Every version of a message, oldest first. */
export function versionsOf(schema: MessageSchema): number[] {
  const [lo, hi] = schema.validVersions
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
}

/** One [label, codec, version] row per message and version, for it.each. */
export const messageVersions: [string, MessageCodec, number][] = messageCodecs.flatMap((codec) =>
  versionsOf(codec.schema).map((v): [string, MessageCodec, number] => [
    `${codec.schema.name} v${v}`,
    codec,
    v,
  ])
)
