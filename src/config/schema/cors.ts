// Cross-origin access from browsers (CORS) on an http listener: which web pages may call it.
import { z } from 'zod'

/** An origin as browsers send it (scheme://host[:port], no path), `*`/`?` globs allowed, or `*`. */
const Origin = z
  .string()
  .regex(
    /^(\*|null|[a-z][a-z0-9+.-]*:\/\/[^/\s]+)$/i,
    'an origin: scheme://host[:port] without path or trailing / (https://app.example.com, https://*.example.com), "null" or "*"'
  )

const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/i, 'an HTTP header name')

export const Cors = z
  .object({
    /**
     * Origins whose pages may call this listener: exact, or globs (`*` any characters, `?` one).
     * Requests from other origins are refused (403), WebSocket upgrades too. Requests without an
     * Origin (non-browser clients) and pages served by this listener itself are always let in.
     */
    origins: z.array(Origin).min(1),
    /** Let pages send cookies, HTTP auth or TLS client certificates (`credentials: 'include'`). */
    credentials: z.boolean().default(false),
    /** How long a browser may cache a preflight answer (Chromium caps it at 7200). */
    maxAgeSeconds: z.number().int().min(0).max(86_400).default(600),
    /** Response headers pages may read, besides Location, Retry-After, RateLimit... (always exposed). */
    exposeHeaders: z.array(HeaderName).default([]),
    /** Request headers pages may send; default: whatever the preflight asks for. */
    allowHeaders: z.array(HeaderName).optional(),
  })
  .strict()
  .refine((cors) => !(cors.credentials && cors.origins.includes('*')), {
    message:
      'credentials with origins "*" would let any web page act with its visitors\' credentials: list the origins',
    path: ['origins'],
  })

export type CorsConfig = z.infer<typeof Cors>
