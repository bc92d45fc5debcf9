// What a schema id found in a record means for a policy: fine, or a problem every record carrying
// it shares. Asked once per distinct id of a partition; the answers behind it are cached by the
// registry client (fresh within the registry's cacheTtlMs, stale while it is down), so a steady
// stream of records costs no registry round trip.
import { formatNames } from '../../schema/compile.ts'
import type { Codec, SubjectRef } from '../../schema/index.ts'
import type { RecordSchemas } from './sources.ts'
import type { PartRule } from './rules.ts'

type RegistryRule = Extract<PartRule, { kind: 'registry' }>

/** `problem` reads after "the value" (or key); `codec` when the policy validates payloads too. */
export type IdOutcome = { problem: string } | { problem?: undefined; codec?: Codec }

/** Throws GatewayError when the registry cannot say (down, and the answer never cached). */
export async function checkId(
  rule: RegistryRule,
  id: number,
  validate: boolean,
  schemas: RecordSchemas
): Promise<IdOutcome> {
  if (rule.id !== undefined) {
    if (id !== rule.id)
      return { problem: `has schema id ${id}, not ${rule.id} as the policy requires` }
  } else {
    let refs = await schemas.subjectsOf(rule.registry, id)
    // A cached "not there" may predate the id's registration under this subject: ask once more.
    if (!registered(refs, rule)) refs = await schemas.subjectsOf(rule.registry, id, true)
    if (!registered(refs, rule))
      return { problem: `has schema id ${id}${notRegistered(refs, rule)}` }
  }
  if (!validate) return {}
  const codec = await schemas.codecById(rule.registry, id)
  if (codec.format !== rule.ref.format) {
    const says = formatNames[rule.ref.format]
    const is = formatNames[codec.format]
    return { problem: `has schema id ${id}, which is ${is}, not ${says} as the policy says` }
  }
  return { codec }
}

function registered(refs: readonly SubjectRef[], rule: RegistryRule): boolean {
  return refs.some(
    (r) => r.subject === rule.subject && (rule.version === undefined || r.version === rule.version)
  )
}

/** Other subjects the id is under are not named: they may be another tenant's. */
function notRegistered(refs: readonly SubjectRef[], rule: RegistryRule): string {
  if (refs.length === 0) return `, which schema registry "${rule.registry}" does not know`
  const under = refs.some((r) => r.subject === rule.subject)
  return rule.version !== undefined && under
    ? `, which is not version ${rule.version} of subject "${rule.subject}" as the policy requires`
    : `, which is not registered under subject "${rule.subject}"`
}
