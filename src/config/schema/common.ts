// Building blocks shared by the config entities.
import { isIP } from 'node:net'
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

/** An address or CIDR block as net.BlockList takes it, or undefined when it is neither. */
export function parseCidr(
  value: string
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = value.indexOf('/')
  const address = slash < 0 ? value : value.slice(0, slash)
  const version = isIP(address)
  if (version === 0) return undefined
  const most = version === 4 ? 32 : 128
  const prefixText = slash < 0 ? String(most) : value.slice(slash + 1)
  if (!/^\d{1,3}$/.test(prefixText)) return undefined
  const prefix = Number(prefixText)
  if (prefix > most) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** An IPv4 or IPv6 address, or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`). */
export const Cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  message: 'an IPv4 or IPv6 address or CIDR block, e.g. 10.0.0.0/8 or 2001:db8::/32',
})
