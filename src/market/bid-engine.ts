import { computeInventory, matchGroup, type Hold, type Inventory, type MatchOptions, type ProbeResult, type ReservedResources, type StorageOptions } from '../hardware/index.js'
import { defaultStorageOptions } from '../hardware/index.js'
import type { NodeKey } from '../identity/keys.js'
import type { Attribute } from '../sdl/types.js'
import { equalBytes, toHex } from '../util/bytes.js'
import type { Clock } from '../util/clock.js'
import type { Bodies, Price, SignedMessage } from '../wire/index.js'
import type { Outcome } from './auction.js'
import { deadlinesOf, defaultAuctionParams } from './params.js'
import { orderIdOfMessage } from './rules.js'
import { commitmentOf } from './ids.js'
import { makeSealedBid, signReveal, type SealedBid } from './messages.js'
import { sdlGroupFromOrder, wireToDecimal } from './order-build.js'
import type { AuctionParams } from './params.js'
import { priceGroup, type PricingConfig } from './pricing.js'

/** Why a provider did not bid: hardware reasons (NoFitCode) plus the market's own. */
export interface NoBidReason {
  code: string
  message: string
}

export interface BidEngineOptions {
  pricing: PricingConfig
  blockMs: number
  /** provider attributes (probe + operator), as announced */
  attributes: Attribute[]
  reserved: ReservedResources
  storage: StorageOptions
  match: Partial<MatchOptions>
  /** orders remembered with their no-bid reasons */
  maxRemembered: number
  /** the network's auction rules (for the order's deadlines) */
  params: AuctionParams
  /**
   * longest this provider holds capacity for one order (from its commit to the award
   * deadline): orders whose windows are longer get the NoBid reason HOLD_TOO_LONG
   */
  maxHoldMs: number
}

export const defaultBidEngineOptions: Omit<BidEngineOptions, 'pricing' | 'attributes'> = {
  blockMs: 6000,
  reserved: { cpuMillicores: 0, memoryBytes: 0, storageBytes: 0 },
  storage: defaultStorageOptions,
  match: {},
  maxRemembered: 10_000,
  params: defaultAuctionParams,
  maxHoldMs: 15 * 60 * 1000
}

export interface BidEngineModules {
  key: NodeKey
  clock: Clock
  /** the latest hardware probe */
  probe: () => ProbeResult
  /** why this provider cannot serve any lease now (no container runtime, for example) */
  readiness?: () => NoBidReason | undefined
}

/** A bid this provider made: with the order and commit from storage, enough to restore() it. */
export interface StoredBid {
  orderId: string
  price: Price
  commitId: string
}

export type BidDecision =
  | { action: 'bid', bid: SealedBid, price: Price }
  | { action: 'skip', reasons: NoBidReason[] }

interface HoldEntry extends Hold {
  kind: 'commit' | 'lease'
  /** the tenant's seal named this commit (the hold lasts until the award deadline) */
  sealed?: boolean
  bid?: SealedBid
  order: SignedMessage<'Order'>
}

/**
 * The provider's side of the auction: decide whether to bid on an order and at what price,
 * hold the capacity a commit promises, reveal when sealed, and release on loss or expiry.
 * Every order it does not bid on gets reasons, published as NoBid so tenants can see them.
 */
export class BidEngine {
  private readonly holds = new Map<string, HoldEntry>()
  private readonly skipped = new Map<string, NoBidReason[]>()
  private readonly opts: BidEngineOptions

  constructor (opts: Partial<BidEngineOptions> & Pick<BidEngineOptions, 'pricing' | 'attributes'>, private readonly modules: BidEngineModules) {
    this.opts = { ...defaultBidEngineOptions, ...opts }
  }

  /** available = probed − reserved − open commits − active leases */
  inventory (): Inventory {
    return computeInventory(this.modules.probe(), this.opts.reserved, [...this.holds.values()], this.opts.storage)
  }

  /** What this provider would ask for an order, whatever its capacity. */
  quote (order: SignedMessage<'Order'>): Price {
    const inv = this.inventory()
    return priceGroup(sdlGroupFromOrder(order.body.group), this.opts.pricing, inv.total.gpus, this.opts.blockMs)
  }

  /** Decide on an order; on 'bid' the capacity is held until the auction ends. */
  consider (order: SignedMessage<'Order'>): BidDecision {
    const id = toHex(orderIdOfMessage(order))
    const now = this.modules.clock.now()
    const existing = this.holds.get(id)
    if (existing?.bid !== undefined) return { action: 'bid', bid: existing.bid, price: existing.bid.price }
    const reasons: NoBidReason[] = []
    if (equalBytes(order.signer, this.modules.key.publicKey)) reasons.push({ code: 'OWN_ORDER', message: 'this node placed the order' })
    const notReady = this.modules.readiness?.()
    if (notReady !== undefined) reasons.push(notReady)
    if (now > order.body.commitUntil) reasons.push({ code: 'ORDER_CLOSED', message: `the commit deadline passed ${now - order.body.commitUntil} ms before the order reached this provider` })
    const holdMs = deadlinesOf(order.body, this.opts.params).awardUntil - now
    if (holdMs > this.opts.maxHoldMs) reasons.push({ code: 'HOLD_TOO_LONG', message: `the order could hold this provider's capacity for ${Math.round(holdMs / 1000)} s; its policy allows ${Math.round(this.opts.maxHoldMs / 1000)} s` })
    if (order.body.maxPrice.denom !== 'uact') reasons.push({ code: 'DENOM_UNSUPPORTED', message: `the order pays in ${order.body.maxPrice.denom}; this provider takes uact (ACT)` })
    const group = sdlGroupFromOrder(order.body.group)
    const inv = this.inventory()
    const fit = matchGroup(group, inv, this.opts.attributes, this.opts.match)
    for (const r of fit.reasons) reasons.push({ code: r.code, message: r.message })
    const price = priceGroup(group, this.opts.pricing, inv.total.gpus, this.opts.blockMs)
    if (price.amount > order.body.maxPrice.amount && order.body.maxPrice.denom === 'uact') {
      reasons.push({ code: 'PRICE_ABOVE_MAX', message: `this provider asks ${wireToDecimal(price.amount)} uact/block, the order allows at most ${wireToDecimal(order.body.maxPrice.amount)}` })
    }
    if (reasons.length > 0) {
      this.remember(id, reasons)
      return { action: 'skip', reasons }
    }
    const bid = makeSealedBid(this.modules.key, order, price, now, this.saltFor(orderIdOfMessage(order)))
    this.holds.set(id, { id, resources: group.resources, kind: 'commit', bid, order })
    return { action: 'bid', bid, price }
  }

  /** The salt of this provider's commit on an order: derived, so a restart can re-open it. */
  saltFor (orderId: Uint8Array): Uint8Array {
    return this.modules.key.deriveSecret('bid-salt', orderId)
  }

  /**
   * Rebuild a bid after a restart from the stored order, this provider's commit and the price
   * it bid. Returns false when the derived salt does not open the commit (not our bid, or the
   * price is wrong): nothing is held then.
   */
  restore (order: SignedMessage<'Order'>, commit: SignedMessage<'BidCommit'>, price: Price): boolean {
    const orderId = orderIdOfMessage(order)
    const salt = this.saltFor(orderId)
    if (!equalBytes(commit.signer, this.modules.key.publicKey) || !equalBytes(commitmentOf(orderId, commit.signer, price, salt), commit.body.commitment)) return false
    const id = toHex(orderId)
    const bid: SealedBid = { commit, reveal: { net: order.body.net, orderId, commitId: commit.id, price, salt }, salt, price }
    this.holds.set(id, { id, resources: sdlGroupFromOrder(order.body.group).resources, kind: 'commit', bid, order })
    return true
  }

  /** A seal arrived: the reveal to publish if it names this provider's commit; otherwise the hold goes. */
  onSeal (orderId: string, sealedCommitIds: readonly Uint8Array[]): SignedMessage<'BidReveal'> | undefined {
    const bid = this.noteSeal(orderId, sealedCommitIds)
    return bid === undefined ? undefined : signReveal(this.modules.key, bid, this.modules.clock.now())
  }

  /**
   * Record a seal without revealing (a restart rebuilding its holds): the bid to reveal when the
   * seal names this provider's commit (the hold then lasts until the award deadline); otherwise
   * the hold goes.
   */
  noteSeal (orderId: string, sealedCommitIds: readonly Uint8Array[]): SealedBid | undefined {
    const h = this.holds.get(orderId)
    if (h?.bid === undefined || h.kind !== 'commit') return undefined
    const mine = sealedCommitIds.some((c) => equalBytes(c, h.bid?.reveal.commitId as Uint8Array))
    h.sealed = mine
    if (!mine) {
      this.holds.delete(orderId)
      this.remember(orderId, [{ code: 'NOT_SEALED', message: 'the tenant sealed the auction without this provider\'s commit (it arrived late or was not seen)' }])
      return undefined
    }
    return h.bid
  }

  /** The auction ended: keep the capacity as a lease if won, release it otherwise. */
  onOutcome (orderId: string, outcome: Outcome): void {
    const h = this.holds.get(orderId)
    if (h === undefined) return
    if (outcome.status === 'leased' && equalBytes(outcome.lease.provider, this.modules.key.publicKey)) {
      if (outcome.lease.state === 'closed') this.holds.delete(orderId)
      else h.kind = 'lease'
      return
    }
    if (outcome.status === 'pending') return
    this.holds.delete(orderId)
  }

  /**
   * Release commit holds whose auctions can no longer end: not sealed by the reveal deadline
   * (the tenant never sealed, or sealed without us and we missed it), or sealed and not awarded
   * by the award deadline. A tenant cannot lock capacity longer than its own windows allow.
   */
  expire (): string[] {
    const now = this.modules.clock.now()
    const skew = this.opts.params.maxClockSkewMs
    const released: string[] = []
    for (const [id, h] of this.holds) {
      if (h.kind !== 'commit') continue
      const d = deadlinesOf(h.order.body, this.opts.params)
      if (now > (h.sealed === true ? d.awardUntil : d.revealUntil) + skew) {
        this.holds.delete(id)
        released.push(id)
      }
    }
    return released
  }

  /** Drop what this provider holds for an order (a lease never accepted in time, for example). */
  release (orderId: string): boolean {
    return this.holds.delete(orderId)
  }

  /** Why this provider did not bid on an order (undefined if it bid or never saw it). */
  reasons (orderId: string): NoBidReason[] | undefined {
    return this.skipped.get(orderId)
  }

  /** Bids to persist: enough to restore() them. */
  storedBids (): StoredBid[] {
    return [...this.holds.values()].filter((h) => h.bid !== undefined).map((h) => ({ orderId: h.id, price: (h.bid as SealedBid).price, commitId: toHex((h.bid as SealedBid).commit.id) }))
  }

  /** What this provider holds for an order: capacity promised by a commit, or a lease. */
  holdOf (orderId: string): 'commit' | 'lease' | undefined {
    return this.holds.get(orderId)?.kind
  }

  holdIds (): Array<{ id: string, kind: 'commit' | 'lease' }> {
    return [...this.holds.values()].map((h) => ({ id: h.id, kind: h.kind }))
  }

  /** Keep the reasons for an order (also after a restart, from this provider's stored NoBid). */
  remember (orderId: string, reasons: NoBidReason[]): void {
    if (this.skipped.size >= this.opts.maxRemembered) {
      const oldest = this.skipped.keys().next().value
      if (oldest !== undefined) this.skipped.delete(oldest)
    }
    this.skipped.set(orderId, reasons)
  }
}

/** The NoBid body a provider publishes for an order it skipped. Messages are cut to the wire caps. */
export function noBidBody (order: SignedMessage<'Order'>, reasons: NoBidReason[], now: number): Bodies['NoBid'] {
  return {
    net: order.body.net,
    createdAt: now,
    orderId: orderIdOfMessage(order),
    reasons: reasons.slice(0, 32).map((r) => ({ code: /^[A-Z][A-Z0-9_]*$/.test(r.code) ? r.code.slice(0, 64) : 'OTHER', message: r.message.slice(0, 512) }))
  }
}
