// Which record edits a door makes for one principal on one topic: the masks and encrypt policies
// of its chain, in the order the product promises on every door. Writes: produce-side masks, then
// encryption (stored masked and sealed). Reads: decryption for principals the ACL allows
// `decrypt`, then the reader's masks; a principal not allowed to decrypt has its masks applied to
// what it sees, the ciphertext.
import type { Principal } from '../core/principal.ts'
import type { Chain } from './chain.ts'
import type { Decryption } from './encrypt/decryption.ts'
import type { MaskSide, RecordEdit } from './mask/mask-set.ts'
import { chainRecordEdits, skippingSealedValues } from './record-edits.ts'

/** Where a chain's records are edited from: its writer schemas' registry, the shared decryption. */
export interface EditContext {
  chain: Chain
  /** The virtual cluster's registry (masks and sealed fields read writer schemas from it). */
  registry: string | undefined
  decryption: Decryption
}

/** Undefined when nothing applies: the door then does nothing per record. */
export function recordEditsOf(
  context: EditContext,
  topic: string,
  principal: Principal,
  side: MaskSide
): RecordEdit | undefined {
  const { chain, registry } = context
  if (!chain.masks.any && !chain.encrypts.any) return undefined
  const mask = chain.masks.any ? chain.masks.maskFor(topic, principal, side, registry) : undefined
  if (side === 'produce') return chainRecordEdits(mask, encryptorOf(context, topic))
  const decrypt = decryptorOf(context, topic, principal)
  if (decrypt === undefined && chain.encrypts.covers(topic)) return skippingSealedValues(mask)
  return chainRecordEdits(decrypt, mask)
}

/** How a write seals the records of `topic`; undefined when no encrypt policy covers it. */
export function encryptorOf(context: EditContext, topic: string): RecordEdit | undefined {
  const { chain, registry } = context
  if (!chain.encrypts.any) return undefined
  return chain.encrypts.encryptor(topic, registry)
}

/**
 * How a read opens the records of `topic` for `principal`: only where an encrypt policy covers
 * the topic and the ACL allows the principal `decrypt` on it (without ACLs, everyone: open by
 * default, as for every operation). Undefined: records as stored.
 */
export function decryptorOf(
  context: EditContext,
  topic: string,
  principal: Principal
): RecordEdit | undefined {
  const { chain } = context
  if (!chain.encrypts.covers(topic)) return undefined
  const request = {
    principal,
    operation: 'decrypt' as const,
    resource: { type: 'topic' as const, name: topic },
  }
  if (chain.acl !== undefined && chain.acl.evaluate(request).verdict !== 'allow') return undefined
  return context.decryption.decryptor(context.registry)
}
