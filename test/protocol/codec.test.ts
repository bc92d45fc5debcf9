// Whole requests and responses: header versions, framing, the API table, and decoding of hostile
// payloads through the top-level entry points.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../src/protocol/codec-error.ts'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../src/protocol/codec.ts'
import { FrameSplitter, frame } from '../../src/protocol/frames.ts'
import { apiByKey, apis, retiredApiKeys } from '../../src/protocol/generated/apis.ts'
import { readFetchRequest } from '../../src/protocol/generated/messages/fetch-request.ts'
import { messageSchemas } from '../../src/protocol/generated/schema.ts'
import {
  peekCorrelationId,
  peekRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/protocol/headers.ts'
import { Reader } from '../../src/protocol/reader.ts'
import { ZERO_UUID } from '../../src/protocol/values.ts'
import { Writer } from '../../src/protocol/writer.ts'

describe('the API table', () => {
  it('covers every API key of the specs, each with a request and response schema', () => {
    const keys = new Set(
      Object.values(messageSchemas).flatMap((s) => (s.apiKey === undefined ? [] : [s.apiKey]))
    )
    expect([...apiByKey.keys()].sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b))
    for (const api of apiByKey.values()) {
      expect(messageSchemas[`${api.name}Request`]?.validVersions).toEqual([
        api.minVersion,
        api.maxVersion,
      ])
    }
    expect(apis.produce).toMatchObject({ key: 0, minVersion: 3, maxVersion: 13 })
    expect(apis.apiVersions).toMatchObject({ key: 18, firstFlexibleVersion: 3 })
    expect(retiredApiKeys.get(7)).toBe('ControlledShutdown')
  })
})

describe('header versions', () => {
  it.each([
    [0, 8, 1, 0], // Produce v8: before flexible versions
    [0, 9, 2, 1], // Produce v9: flexible
    [3, 13, 2, 1],
    [18, 2, 1, 0], // ApiVersions v2
    [18, 3, 2, 0], // ApiVersions v3: flexible request, but response header v0 always
    [18, 99, 2, 0], // a future ApiVersions a client may try first
    [7, 0, 0, 0], // ControlledShutdown v0: request header v0
    [7, 1, 1, 0],
    [999, 0, 1, 0], // unknown API
  ])('API %d v%d: request header v%d, response header v%d', (key, version, req, res) => {
    expect(requestHeaderVersion(key, version)).toBe(req)
    expect(responseHeaderVersion(key, version)).toBe(res)
  })
})

describe('requests and responses', () => {
  const header = { requestApiKey: 3, requestApiVersion: 12, correlationId: 42, clientId: 'c' }

  it('encodes a framed request and decodes it back', () => {
    const body = { ...apis.metadata.defaultRequest(), topics: null }
    const bytes = encodeRequest(apis.metadata, header, body)
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4)
    const payload = bytes.subarray(4)
    expect(peekRequestHeader(payload)).toEqual({ apiKey: 3, apiVersion: 12, correlationId: 42 })
    const decoded = decodeRequest(payload)
    expect(decoded.api).toBe(apis.metadata)
    expect(decoded.header).toEqual(header)
    expect(decoded.body).toEqual(body)
  })

  it('encodes a framed response and decodes it back', () => {
    const body = apis.apiVersions.defaultResponse()
    body.apiKeys = [{ apiKey: 0, minVersion: 3, maxVersion: 13 }]
    const bytes = encodeResponse(apis.apiVersions, 4, { correlationId: 7 }, body)
    // Response header v0: the correlation id and nothing else, then the body.
    expect(peekCorrelationId(bytes.subarray(4))).toBe(7)
    expect(decodeResponse(apis.apiVersions, 4, bytes.subarray(4))).toEqual({
      header: { correlationId: 7 },
      body,
    })
  })

  it('refuses unknown keys, unsupported versions and mismatched headers', () => {
    const w = new Writer()
    w.int16(999)
    w.int16(0)
    w.int32(1)
    w.nullableString(false, null)
    expect(() => decodeRequest(w.finish())).toThrow(/unknown API key 999/)
    const old = { ...header, requestApiKey: 0, requestApiVersion: 2 }
    expect(() => encodeRequest(apis.produce, old, apis.produce.defaultRequest())).toThrow(
      CodecError
    )
    expect(() => encodeRequest(apis.produce, header, apis.produce.defaultRequest())).toThrow(
      /header names API key 3/
    )
    expect(() => decodeResponse(apis.fetch, 3, Buffer.alloc(8))).toThrow(CodecError)
  })

  it('refuses a field the version cannot carry, unless Kafka calls it ignorable', () => {
    // FetchRequest.ForgottenTopicsData starts in v7; SessionId too, but it is ignorable.
    const forgotten = [{ topic: 't', topicId: ZERO_UUID, partitions: [1] }]
    const body = { ...apis.fetch.defaultRequest(), forgottenTopicsData: forgotten }
    const v6 = { ...header, requestApiKey: 1, requestApiVersion: 6 }
    expect(() => encodeRequest(apis.fetch, v6, body)).toThrow(/forgottenTopicsData/)
    expect(() => encodeRequest(apis.fetch, { ...v6, requestApiVersion: 7 }, body)).not.toThrow()
    const ignorable = { ...apis.fetch.defaultRequest(), sessionId: 5 }
    expect(decodeRequest(encodeRequest(apis.fetch, v6, ignorable).subarray(4)).body).toEqual(
      apis.fetch.defaultRequest()
    )
  })

  it('refuses a known tag in a version that lacks its field, as Kafka does', () => {
    // FetchRequest v12 knows tag 1 (ReplicaState) only from v15 on.
    const w = new Writer()
    apis.fetch.writeRequest(w, 12, apis.fetch.defaultRequest())
    const bytes = Buffer.from(w.finish())
    bytes[bytes.length - 1] = 1 // one tagged field...
    const tagged = Buffer.concat([bytes, Buffer.from([1, 0])]) // ...tag 1, size 0
    expect(() => readFetchRequest(new Reader(tagged), 12)).toThrow(/tag 1 is not valid/)
  })

  it('decodes any payload to a request or a CodecError', () => {
    const keys = [...apiByKey.keys()]
    const payloads = fc
      .tuple(
        fc.constantFrom(...keys),
        fc.integer({ min: -1, max: 20 }),
        fc.uint8Array({ maxLength: 64 })
      )
      .map(([key, version, rest]) => {
        const prefix = Buffer.alloc(4)
        prefix.writeInt16BE(key)
        prefix.writeInt16BE(version, 2)
        return Buffer.concat([prefix, rest])
      })
    fc.assert(
      fc.property(fc.oneof(payloads, fc.uint8Array({ maxLength: 16 })), (payload) => {
        try {
          decodeRequest(Buffer.from(payload))
        } catch (err) {
          if (!(err instanceof CodecError)) throw err
        }
      }),
      { numRuns: 2000 }
    )
  })
})

describe('FrameSplitter', () => {
  const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('xyz')]
  const stream = Buffer.concat(frames.map((f) => frame(f)))

  it('cuts a stream into frames however it arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 8 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length]
        const splitter = new FrameSplitter()
        const out: Buffer[] = []
        for (let i = 1; i < points.length; i++) {
          out.push(...splitter.push(stream.subarray(points[i - 1], points[i])))
        }
        // Compared as text: element-wise equality of 70 KB buffers is slow.
        expect(out.map((f) => f.toString('base64'))).toEqual(
          frames.map((f) => f.toString('base64'))
        )
        expect(splitter.buffered).toBe(0)
      }),
      { numRuns: 200 }
    )
  })

  it('refuses a size prefix above the limit or below zero before buffering the frame', () => {
    expect(() => new FrameSplitter(1024).push(Buffer.from([0, 0, 4, 1]))).toThrow(CodecError)
    expect(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      CodecError
    )
    expect(new FrameSplitter(1024).push(Buffer.from([0, 0, 4, 0, 1]))).toEqual([])
  })

  it('applies a limit lowered or raised between pushes, and drops what it holds on clear', () => {
    const splitter = new FrameSplitter(1024)
    splitter.maxFrameBytes = 2048
    expect(splitter.push(Buffer.from([0, 0, 8, 0, 1, 2]))).toEqual([])
    expect(splitter.buffered).toBe(2)
    splitter.clear()
    expect(splitter.buffered).toBe(0)
    splitter.maxFrameBytes = 16
    expect(() => splitter.push(Buffer.from([0, 0, 0, 17]))).toThrow(
      'frame size 17 is outside 0..16'
    )
  })
})
