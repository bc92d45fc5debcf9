// The IETF rate limit fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` describes
// a quota, `RateLimit` reports what is left. Both are Structured Field lists of items such as
// `"per-client";q=200;w=1` and `"per-client";r=0;t=3`. A token bucket of rate R and burst B is
// written as a quota of R·B per B seconds; `-bytes` items (`qu="content-bytes"`) carry byte limits.

/** One limited quantity of a rate limit policy: requests, or payload bytes. */
export interface RateLimitDimension {
  /** Policy item name: the policy's name, plus `-bytes` for its byte limit. */
  id: string
  /** Tokens per second. */
  rate: number
  capacity: number
  unit: 'content-bytes' | undefined
}

export const rateLimitItem = {
  policy(dimension: RateLimitDimension, burstSeconds: number): string {
    // q and w are integers in the draft; a fractional burst is rounded to whole seconds.
    const window = Math.max(1, Math.round(burstSeconds))
    const quota = Math.max(1, Math.floor(dimension.rate * window))
    const unit = dimension.unit === undefined ? '' : `;qu="${dimension.unit}"`
    return `"${dimension.id}";q=${quota}${unit};w=${window}`
  },

  /**
   * Remaining tokens, and seconds until `need` tokens are there (when they are not yet) or until
   * the bucket is full again (the quota's "reset" for a token bucket).
   */
  status(dimension: RateLimitDimension, tokens: number, need: number): string {
    const missing = tokens < need ? need - tokens : dimension.capacity - tokens
    const seconds = Math.max(0, Math.ceil(missing / dimension.rate - 1e-9))
    return `"${dimension.id}";r=${Math.max(0, Math.floor(tokens + 1e-9))};t=${seconds}`
  },
}
