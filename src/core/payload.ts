// A record's key or value as a door received it, before a schema policy serializes it.

/** A key or value: parsed JSON (schemas apply), or bytes taken as they are. */
export type Payload =
  /** `raw` keeps the client's own JSON text, sent as is when no schema re-encodes the value. */
  | { kind: 'json'; value: unknown; raw?: Buffer }
  /** A string from the request (path, query, header): UTF-8 bytes, or a schema's string. */
  | { kind: 'text'; value: string }
  | { kind: 'bytes'; value: Buffer }
  | { kind: 'null' }
