import type { NodeKey } from '../identity/keys.js'
import type { SdlResult } from '../sdl/index.js'
import { toHex } from '../util/bytes.js'
import type { Clock } from '../util/clock.js'
import { signMessage, type Price, type SignedMessage } from '../wire/index.js'
import { awardUntil, orderIdOfMessage } from './auction.js'
import { buildAwardBody, buildSealBody } from './messages.js'
import { applyMaxPrice, buildOrderBody, type OrderWindows } from './order-build.js'
import type { OrderBook } from './order-book.js'
import type { AuctionParams } from './params.js'

export interface TenantEngineOptions {
  net: string
  windows: OrderWindows
  params: AuctionParams
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
      let body = buildOrderBody({ net: this.opts.net, now, dseq, gseq: i + 1, group, manifestHash: sdl.manifestHash, windows: this.opts.windows })
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
      if (o.reason === 'NO_SEAL' && now >= order.body.commitUntil && now <= order.body.revealUntil) {
        out.push(signMessage(this.modules.key, 'Seal', buildSealBody(a, this.opts.params, now)))
      } else if (o.reason === 'NO_AWARD' && now >= order.body.revealUntil && now <= awardUntil(order.body, this.opts.params)) {
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
      const t = o.reason === 'NO_SEAL' && now <= order.body.revealUntil
        ? order.body.commitUntil
        : o.reason === 'NO_AWARD' && now <= awardUntil(order.body, this.opts.params) ? order.body.revealUntil : undefined
      if (t !== undefined && (next === undefined || t < next)) next = t
    }
    return next
  }
}
