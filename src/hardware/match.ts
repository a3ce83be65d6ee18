import type { Attribute, EndpointKind, Group } from '../sdl/types.js'
import type { NoFitReason } from './allocate.js'
import { allocate, cloneResources, volumeKind } from './allocate.js'
import { attributesSubsetOf, capabilityGroups, globMatch } from './glob.js'
import type { Inventory } from './inventory.js'

/** Attributes signed by an auditor for this provider (Akash x/audit). */
export interface AuditedAttributes {
  auditor: string
  attributes: Attribute[]
}

export interface MatchOptions {
  /** Auditor-signed attributes, for `signedBy`. Default none. */
  audited: AuditedAttributes[]
  /** Endpoint kinds this provider serves. Leased IPs need an IP pool, so off by default. */
  endpoints: EndpointKind[]
}

export const defaultMatchOptions: MatchOptions = {
  audited: [],
  endpoints: ['SHARED_HTTP', 'RANDOM_PORT']
}

export interface MatchResult {
  fits: boolean
  reasons: NoFitReason[]
}

/**
 * Can this provider serve the group? Akash's order of checks (bidengine shouldBid, then the
 * inventory reservation), but collecting every reason instead of stopping at the first:
 * placement attributes (glob keys, equal values), signedBy, endpoints, storage class capabilities,
 * then capacity: count x unit of cpu, memory (plus ram-class volumes), storage per class, GPUs per
 * model. Pure: the inventory is not changed.
 */
export function matchGroup (group: Group, inventory: Inventory, attributes: readonly Attribute[], options: Partial<MatchOptions> = {}): MatchResult {
  const opts = { ...defaultMatchOptions, ...options }
  const reasons: NoFitReason[] = []

  for (const req of group.requirements.attributes) {
    const sameKey = attributes.filter((a) => globMatch(req.key, a.key))
    if (sameKey.length === 0) {
      reasons.push({ code: 'ATTRIBUTE_MISSING', message: `requires attribute ${req.key}=${req.value}, this provider has no ${req.key}`, details: { key: req.key, value: req.value } })
    } else if (!sameKey.some((a) => a.value === req.value)) {
      const have = [...new Set(sameKey.map((a) => a.value))]
      reasons.push({ code: 'ATTRIBUTE_MISMATCH', message: `requires ${req.key}=${req.value}, this provider has ${sameKey.map((a) => `${a.key}=${a.value}`).join(', ')}`, details: { key: req.key, value: req.value, have } })
    }
  }

  const { allOf, anyOf } = group.requirements.signedBy
  if (allOf.length > 0 || anyOf.length > 0) {
    // Akash MatchRequirements: the group's attributes must be signed by the auditor(s).
    const signs = (auditor: string): boolean => opts.audited.some((a) => a.auditor === auditor && attributesSubsetOf(group.requirements.attributes, a.attributes))
    const missingAll = allOf.filter((a) => !signs(a))
    const anyOk = anyOf.length === 0 || anyOf.some(signs)
    if (missingAll.length > 0 || !anyOk) {
      reasons.push({
        code: 'SIGNED_BY_UNSATISFIED',
        message: `requires attributes signed by ${[missingAll.length > 0 ? `all of ${missingAll.join(', ')}` : '', !anyOk ? `one of ${anyOf.join(', ')}` : ''].filter((s) => s !== '').join(' and ')}; this provider has no such audit`,
        details: { allOfMissing: missingAll, anyOf: anyOk ? [] : anyOf }
      })
    }
  }

  const badKinds = new Set<EndpointKind>()
  for (const u of group.resources) for (const e of u.endpoints) if (!opts.endpoints.includes(e.kind)) badKinds.add(e.kind)
  for (const k of badKinds) {
    reasons.push({ code: 'ENDPOINT_UNSUPPORTED', message: `asks for ${k === 'LEASED_IP' ? 'a leased IP' : k} endpoint, which this provider does not offer`, details: { kind: k } })
  }

  // Akash MatchResourcesRequirements: each volume's attributes must be one advertised storage group.
  const groups = capabilityGroups(attributes, 'storage')
  const seenClass = new Set<string>()
  for (const u of group.resources) {
    for (const v of u.storage) {
      if (v.attributes.length === 0) continue
      const vk = volumeKind(v.attributes)
      if (vk.kind === 'invalid' || vk.kind === 'ephemeral') continue
      if (groups.some((g) => attributesSubsetOf(v.attributes, g))) continue
      const cls = vk.kind === 'ram' ? 'ram' : vk.class
      if (seenClass.has(cls)) continue
      seenClass.add(cls)
      const have = groups.map((g) => g.find((a) => a.key === 'class')?.value).filter((c): c is string => c !== undefined)
      reasons.push({ code: 'STORAGE_CLASS_UNAVAILABLE', message: `asks for storage class ${cls}, this provider announces ${have.length > 0 ? have.join(', ') : 'no storage classes'}`, details: { class: cls, available: have } })
    }
  }

  const capacity = allocate(cloneResources(inventory.available), group.resources, inventory.total)
  for (const r of capacity) {
    if (r.code === 'STORAGE_CLASS_UNAVAILABLE' && seenClass.has(String(r.details.class))) continue
    reasons.push(r)
  }
  return { fits: reasons.length === 0, reasons }
}
