// A mask policy compiled once: one FieldEditor per field group, each with its strategy. The
// engine decides which apply (mask-set.ts); doors `prepare`, then `apply` on each record value.
import type { MaskPolicyConfig } from '../../config/schema/mask-policy.ts'
import { FieldEditor, type FieldEditorOptions } from '../fields/editor.ts'
import type { FieldEdit, ValueEncoding } from '../fields/types.ts'
import { compileMaskStrategy } from './strategies.ts'

export interface CompiledMask {
  /** Fetches writer schemas not yet planned; undefined when there is nothing to wait for. */
  prepare(value: Buffer, encoding: ValueEncoding): Promise<void> | undefined
  /** The value with every selected field masked; undefined when no field was selected. */
  apply(value: Buffer, encoding: ValueEncoding): Buffer | undefined
}

export function compileMaskPolicy(
  policy: MaskPolicyConfig,
  options: FieldEditorOptions
): CompiledMask {
  const groups: { editor: FieldEditor; mask: FieldEdit }[] = policy.fields.map((group) => ({
    editor: new FieldEditor(group, options),
    mask: compileMaskStrategy(group.strategy),
  }))
  return {
    prepare(value, encoding) {
      const pending = groups
        .map((g) => g.editor.prepare(value, encoding))
        .filter((p) => p !== undefined)
      return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined)
    },
    apply(value, encoding) {
      // Groups apply in order; a field two groups select is masked by the first.
      let current = value
      let changed = false
      const masked = new Set<string>()
      for (const { editor, mask } of groups) {
        const out = editor.edit(current, encoding, (field) => {
          if (masked.has(field.path)) return field.value
          masked.add(field.path)
          return mask(field)
        })
        if (out !== undefined) {
          current = out
          changed = true
        }
      }
      return changed ? current : undefined
    },
  }
}
