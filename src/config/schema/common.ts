// Building blocks shared by the config entities.
import { z } from 'zod'

/** Names reference one entity from another, so they are restricted to a safe, stable alphabet. */
export const Name = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9._-]{0,62})$/i,
    'a name of letters, digits, ".", "_" or "-" (1-63 characters)'
  )

export const Port = z.number().int().min(0).max(65535)

/** `host:port`, as Kafka bootstrap servers are written. */
export const HostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port')

/** TLS towards a server Weir connects to (Kafka brokers, registries). PEM files. */
export const ClientTls = z
  .object({
    enabled: z.boolean().default(true),
    /** CA bundle to trust instead of the system roots. */
    caFile: z.string().optional(),
    /** Client certificate and key, for mTLS. */
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    /** Only for tests against self-signed brokers. */
    rejectUnauthorized: z.boolean().default(true),
    serverName: z.string().optional(),
  })
  .strict()
  .refine((tls) => !tls.certFile === !tls.keyFile, {
    message: 'certFile and keyFile go together (mTLS needs both)',
    path: ['certFile'],
  })

/** SASL credentials Weir presents to a Kafka cluster. */
export const ClientSasl = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    password: z.string().min(1),
  })
  .strict()

/** Durations are written in milliseconds. */
export const Millis = z.number().int().min(0)
