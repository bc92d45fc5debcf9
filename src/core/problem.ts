// RFC 9457 problem details: the one error shape every HTTP-facing door returns.
export interface Problem {
  /** A URI naming the kind of problem; relative to the gateway's docs. */
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  [extension: string]: unknown
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

const typeBase = 'https://weir.dev/problems/'

export function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {}
): Problem {
  return {
    type: `${typeBase}${slug}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...extensions,
  }
}
