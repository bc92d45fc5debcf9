// The admin listener: the API that reads, validates and changes the running configuration, and
// (on a control plane) serves it to data planes. It never shares a port with the public doors.
import { z } from 'zod'
import { Port } from './common.ts'

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/i, '64 hex digits')

const Token = z
  .object({
    /** Who holds the token: named in logs and in data plane status. */
    name: z.string().min(1),
    /** SHA-256 of the token, hex (`weir hash-secret --api-key` prints it). */
    sha256: Sha256,
  })
  .strict()

export const Admin = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: Port,
    tls: z
      .object({
        certFile: z.string(),
        keyFile: z.string(),
        /** CA that client certificates must chain to: with it, a client certificate is required. */
        clientCaFile: z.string().optional(),
      })
      .strict()
      .optional(),
    /** Operators: `Authorization: Bearer <token>` on every admin request. */
    tokens: z.array(Token).min(1),
    /**
     * Where changes made through the admin API are saved (mode 0600), so that they survive a
     * restart; without it they last until the process ends or the config file changes.
     */
    stateFile: z.string().optional(),
    /**
     * Data planes that authenticate with a client certificate instead of a token (needs
     * `tls.clientCaFile`): the certificate subject's common names accepted.
     */
    dataPlaneSubjects: z.array(z.string().min(1)).default([]),
    /** Data planes: may read the configuration (secrets included) and report their status. */
    dataPlaneTokens: z.array(Token).default([]),
  })
  .strict()
