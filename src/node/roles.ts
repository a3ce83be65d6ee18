import type { NodeConfig } from '../config/index.js'

export type Role = NodeConfig['roles'][number]
export const ALL_ROLES: readonly Role[] = ['provider', 'tenant', 'relay']

/**
 * Identify's agent version carries the roles, e.g. `skymesh/0.1.0 (provider,relay)`, so peers
 * can show what each other does without another protocol. Self-declared: display only.
 */
export function userAgentOf (version: string, roles: readonly Role[]): string {
  return `skymesh/${version} (${[...roles].sort().join(',')})`
}

/** Roles from a peer's agent version; empty for a non-skymesh peer or an unknown role. */
export function rolesFromUserAgent (agent: string | undefined): Role[] {
  if (agent === undefined) return []
  const m = /^skymesh\/[^\s]+ \(([a-z,]*)\)/.exec(agent)
  if (m === null) return []
  return (m[1] as string).split(',').filter((r): r is Role => (ALL_ROLES as readonly string[]).includes(r))
}

export function parseRoles (list: readonly string[]): Role[] | undefined {
  const out: Role[] = []
  for (const r of list) {
    if (!(ALL_ROLES as readonly string[]).includes(r)) return undefined
    if (!out.includes(r as Role)) out.push(r as Role)
  }
  return out
}
