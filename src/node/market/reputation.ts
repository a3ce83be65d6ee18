import { accountIdOf, publicKeyOfAccount } from '../../identity/index.js'
import type { Auction } from '../../market/index.js'
import { toHex } from '../../util/bytes.js'
import type { Store } from '../store.js'
import type { ProviderReputation, TenantView } from '../views.js'

/**
 * What every node records about providers and tenants when an order becomes final, once per
 * order (persisted, so restarts and pruning keep the counts): sealed commits never revealed
 * (DESIGN.md section 5), equivocations, complaints, and what tenants left out.
 */
export class Reputation {
  constructor (private readonly store: Store) {}

  /** Count a final order; false when it was counted before. */
  record (a: Auction, now: number): boolean {
    const order = a.order
    if (order === undefined) return this.store.finalize(a.orderIdHex, now, [])
    const rows: Array<{ account: string, name: string, n: number }> = []
    const add = (key: Uint8Array | string, name: string, n = 1): void => {
      rows.push({ account: typeof key === 'string' ? key : accountIdOf(key), name, n })
    }
    const tenant = accountIdOf(order.signer)
    add(tenant, 'tenant.orders')
    if (a.voidByTenant()) {
      // nothing the tenant sealed or awarded counts; which copy a node saw first must not either
      add(tenant, 'tenant.equivocations')
      return this.store.finalize(a.orderIdHex, now, rows)
    }
    for (const c of a.sealedCommits()) add(c.signer, 'provider.sealed')
    for (const c of a.unrevealed()) add(c.signer, 'provider.unrevealed')
    for (const p of a.equivocators()) add(accountIdOf(Buffer.from(p, 'hex')), 'provider.equivocations')
    for (const c of a.complaintList()) add(c.signer, 'provider.complaints')
    const om = a.omissions()
    add(tenant, 'tenant.commitsLeftOut', om.commitsLeftOut.length)
    add(tenant, 'tenant.revealsLeftOut', om.revealsLeftOut.length)
    add(tenant, 'tenant.cheaperLeftOut', om.cheaperLeftOut.length)
    return this.store.finalize(a.orderIdHex, now, rows)
  }

  isRecorded (orderId: string): boolean {
    return this.store.isFinalized(orderId)
  }

  provider (account: string): ProviderReputation {
    const c = this.countsOf(account)
    return { sealed: c['provider.sealed'] ?? 0, unrevealed: c['provider.unrevealed'] ?? 0, equivocations: c['provider.equivocations'] ?? 0, complaints: c['provider.complaints'] ?? 0 }
  }

  tenants (): TenantView[] {
    const by = new Map<string, Record<string, number>>()
    for (const r of this.store.counters()) {
      if (!r.name.startsWith('tenant.')) continue
      const m = by.get(r.account) ?? {}
      m[r.name] = r.n
      by.set(r.account, m)
    }
    return [...by].map(([tenant, c]) => ({
      tenant,
      orders: c['tenant.orders'] ?? 0,
      commitsLeftOut: c['tenant.commitsLeftOut'] ?? 0,
      revealsLeftOut: c['tenant.revealsLeftOut'] ?? 0,
      cheaperLeftOut: c['tenant.cheaperLeftOut'] ?? 0,
      equivocations: c['tenant.equivocations'] ?? 0
    }))
  }

  /**
   * Providers a tenant leaves out of its seals: at least `minSealed` sealed commits of which
   * more than `maxUnrevealedShare` were never revealed (public key hex, as the seal builder
   * compares them).
   */
  poorRevealers (minSealed: number, maxUnrevealedShare: number): Set<string> {
    const by = new Map<string, { sealed: number, unrevealed: number }>()
    for (const r of this.store.counters()) {
      if (r.name !== 'provider.sealed' && r.name !== 'provider.unrevealed') continue
      const m = by.get(r.account) ?? { sealed: 0, unrevealed: 0 }
      if (r.name === 'provider.sealed') m.sealed = r.n
      else m.unrevealed = r.n
      by.set(r.account, m)
    }
    const out = new Set<string>()
    for (const [account, m] of by) {
      if (m.sealed >= minSealed && m.unrevealed / m.sealed > maxUnrevealedShare) {
        const key = publicKeyHexOf(account)
        if (key !== undefined) out.add(key)
      }
    }
    return out
  }

  private countsOf (account: string): Record<string, number> {
    const out: Record<string, number> = {}
    for (const r of this.store.counters(account)) out[r.name] = r.n
    return out
  }
}

function publicKeyHexOf (account: string): string | undefined {
  try {
    return toHex(publicKeyOfAccount(account))
  } catch {
    return undefined
  }
}
