import type { NodeKey } from '../identity/keys.js'
import type { SdlResult } from '../sdl/index.js'
import { toHex } from '../util/bytes.js'
import type { Clock } from '../util/clock.js'
import { signMessage, type Price, type SignedMessage } from '../wire/index.js'
import { sha256 } from '../identity/hash.js'
import { buildAwardBody, buildSealBody, sealSeedOf } from './messages.js'
import { orderIdOf } from './ids.js'
import { orderIdOfMessage } from './rules.js'
import { deadlinesOf } from './params.js'
import { applyMaxPrice, buildOrderBody, type OrderWindows } from './order-build.js'
import type { OrderBook } from './order-book.js'
import type { AuctionParams } from './params.js'

export interface TenantEngineOptions {
  net: string
  windows: OrderWindows
  params: AuctionParams
  /** providers to leave out of a seal (e.g. too many sealed commits never revealed), by key hex */
  excludeFromSeal?: () => ReadonlySet<string>
}

/**
 * The tenant's side: one order per SDL group, a seal at the commit deadline and an award at the
 * reveal deadline, built from whatever the order book holds then. `tick()` is idempotent: a seal
 * or award already in the book is never signed again (a restart must not equivocate).
 */
export class TenantEngine {
  private readonly mine = new Set<string>()

  constructor (private readonly opts: TenantEngineOptions, private readonly modules: { key: NodeKey, clock: Clock, book: OrderBook }) {}

  /** Orders for a deployment: one per group, dseq = the creation time in ms unless given. */
  createOrders (sdl: Pick<SdlResult, 'groups' | 'manifestHash'>, opts: { dseq?: number, maxPrice?: Price } = {}): Array<SignedMessage<'Order'>> {
    const now = this.modules.clock.now()
    const dseq = opts.dseq ?? now
    return sdl.groups.map((group, i) => {
      const seed = sealSeedOf(this.modules.key, orderIdOf(this.modules.key.publicKey, dseq, i + 1))
      let body = buildOrderBody({ net: this.opts.net, now, dseq, gseq: i + 1, group, manifestHash: sdl.manifestHash, windows: this.opts.windows, sealSeedHash: sha256(seed) })
      if (opts.maxPrice !== undefined) body = applyMaxPrice(body, opts.maxPrice)
      const order = signMessage(this.modules.key, 'Order', body)
      this.track(order)
      return order
    })
  }

  /** Follow an order of this tenant (e.g. restored from storage after a restart). */
  track (order: SignedMessage<'Order'>): void {
    this.mine.add(toHex(orderIdOfMessage(order)))
  }

  orderIds (): string[] { return [...this.mine] }

  /** Stop following orders (pruned after they became final). */
  forget (orderIds: Iterable<string>): void {
    for (const id of orderIds) this.mine.delete(id)
  }

  /** Seals and awards due at the current time. Publish them, then add them to the book. */
  tick (): Array<SignedMessage<'Seal'> | SignedMessage<'Award'>> {
    const now = this.modules.clock.now()
    const out: Array<SignedMessage<'Seal'> | SignedMessage<'Award'>> = []
    for (const id of this.mine) {
      const a = this.modules.book.get(id)
      const order = a?.order
      if (a === undefined || order === undefined) continue
      const o = a.outcome()
      if (o.status !== 'pending') continue
      const d = deadlinesOf(order.body, this.opts.params)
      if (o.reason === 'NO_SEAL' && now >= d.commitUntil && now <= d.revealUntil) {
        const seed = sealSeedOf(this.modules.key, orderIdOfMessage(order))
        out.push(signMessage(this.modules.key, 'Seal', buildSealBody(a, this.opts.params, now, seed, { exclude: this.opts.excludeFromSeal?.() })))
      } else if (o.reason === 'NO_AWARD' && now >= d.revealUntil && now <= d.awardUntil) {
        out.push(signMessage(this.modules.key, 'Award', buildAwardBody(a, this.opts.params, now)))
      }
    }
    return out
  }

  /** The next time tick() has something to do, if any (orders too late to seal or award have none). */
  nextDeadline (): number | undefined {
    const now = this.modules.clock.now()
    let next: number | undefined
    for (const id of this.mine) {
      const a = this.modules.book.get(id)
      const order = a?.order
      if (a === undefined || order === undefined) continue
      const o = a.outcome()
      if (o.status !== 'pending') continue
      const d = deadlinesOf(order.body, this.opts.params)
      const t = o.reason === 'NO_SEAL' && now <= d.revealUntil
        ? d.commitUntil
        : o.reason === 'NO_AWARD' && now <= d.awardUntil ? d.revealUntil : undefined
      if (t !== undefined && (next === undefined || t < next)) next = t
    }
    return next
  }
}
