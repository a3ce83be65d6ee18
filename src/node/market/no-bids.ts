import { accountIdOf } from '../../identity/index.js'
import type { NoBidReason } from '../../market/index.js'
import type { SignedMessage } from '../../wire/index.js'

export interface NoBidOptions {
  /** providers whose reasons are kept per order (one NoBid per provider) */
  maxPerOrder: number
  /** orders with reasons kept in memory */
  maxOrders: number
}

export const defaultNoBidOptions: NoBidOptions = { maxPerOrder: 256, maxOrders: 20_000 }

export type NoBidResult = 'added' | 'duplicate' | 'full'

/**
 * Why providers did not bid, per order: one NoBid per provider and order, bounded per order and
 * in total, so a flood of NoBids from any key degrades nothing but that order's list.
 */
export class NoBidBook {
  private readonly byOrder = new Map<string, Map<string, NoBidReason[]>>()

  constructor (private readonly opts: NoBidOptions = defaultNoBidOptions) {}

  add (orderId: string, msg: SignedMessage<'NoBid'>): NoBidResult {
    const provider = accountIdOf(msg.signer)
    let m = this.byOrder.get(orderId)
    if (m?.has(provider) === true) return 'duplicate'
    if (m === undefined) {
      if (this.byOrder.size >= this.opts.maxOrders) return 'full'
      m = new Map()
      this.byOrder.set(orderId, m)
    }
    if (m.size >= this.opts.maxPerOrder) return 'full'
    m.set(provider, msg.body.reasons)
    return 'added'
  }

  of (orderId: string): Array<{ provider: string, reasons: NoBidReason[] }> {
    return [...(this.byOrder.get(orderId) ?? new Map<string, NoBidReason[]>())].map(([provider, reasons]) => ({ provider, reasons }))
  }

  forget (orderIds: Iterable<string>): void {
    for (const id of orderIds) this.byOrder.delete(id)
  }
}
