import { toHex } from '../util/bytes.js'
import { Auction, type Outcome } from './auction.js'
import { MarketError, MISSING_CONTEXT, ignore } from './errors.js'
import { deadlinesOf, type AuctionParams } from './params.js'
import { checkOrder, orderKeyOf, type AuctionMessage } from './rules.js'

export { orderKeyOf }

export type BookResult = 'added' | 'duplicate' | 'pending'

/** Rejections that still store the conflicting copy (equivocation evidence). */
const EQUIVOCATIONS: ReadonlySet<string> = new Set(['ORDER_EQUIVOCATION', 'SEAL_EQUIVOCATION', 'AWARD_EQUIVOCATION', 'BID_EQUIVOCATION'])

export interface OrderBookOptions {
  /** messages waiting for a message they depend on (an order, a seal, an award), in total */
  maxPending: number
  /** of those, from one signer: a flood of messages for unknown orders fills only its own quota */
  maxPendingPerSigner: number
  /** auctions kept in memory, in total */
  maxAuctions: number
  /** auctions one tenant may have open (not final) at once */
  maxOpenOrdersPerTenant: number
}

export const defaultOrderBookOptions: OrderBookOptions = { maxPending: 4096, maxPendingPerSigner: 64, maxAuctions: 50_000, maxOpenOrdersPerTenant: 512 }

/**
 * Every auction a node knows, keyed by order id. Messages can arrive in any order: one whose
 * context is missing is parked (bounded per signer and in total) and retried whenever its order
 * gains a message, so the same message set always ends in the same state whatever the arrival
 * order. Every bound has its own code, so a full book never looks like something else.
 */
export class OrderBook {
  private readonly auctions = new Map<string, Auction>()
  private readonly pending = new Map<string, Map<string, AuctionMessage>>()
  private readonly pendingBySigner = new Map<string, number>()
  private readonly openUntil = new Map<string, number[]>()
  private pendingCount = 0
  private readonly opts: OrderBookOptions

  constructor (private readonly params: AuctionParams, opts: Partial<OrderBookOptions> = {}) {
    this.opts = { ...defaultOrderBookOptions, ...opts }
  }

  get (orderId: string): Auction | undefined { return this.auctions.get(orderId) }
  orderIds (): string[] { return [...this.auctions.keys()] }
  auctionList (): Auction[] { return [...this.auctions.values()] }
  outcome (orderId: string): Outcome | undefined { return this.auctions.get(orderId)?.outcome() }
  pendingSize (): number { return this.pendingCount }
  size (): number { return this.auctions.size }

  /** Messages parked for an order. */
  pendingFor (orderId: string): AuctionMessage[] {
    return [...(this.pending.get(orderId)?.values() ?? [])]
  }

  /**
   * Add a message. Returns 'pending' when it waits for context. Throws MarketError when the
   * message breaks a rule (equivocations are stored as evidence and still throw REJECT) or a
   * bound is reached. `now` (when given) lets a full book make room by dropping final orders.
   */
  add (msg: AuctionMessage, now?: number): BookResult {
    const key = orderKeyOf(msg)
    let auction = this.auctions.get(key)
    if (auction === undefined) {
      if (msg.type === 'Order') {
        // a bad order must not make room for itself: judged before anything is evicted
        checkOrder(msg, this.params)
        this.admitOrder(msg, now)
      }
      auction = new Auction(key, this.params)
    }
    let result: BookResult
    try {
      result = auction.add(msg)
    } catch (err) {
      if (err instanceof MarketError && MISSING_CONTEXT.has(err.code)) {
        // [IGNORE] the tenant voided the order: what waits for its seal or award never matters
        if (auction.voidByTenant()) throw ignore('ORDER_VOID', 'the order is void (its tenant equivocated)')
        this.park(key, msg)
        return 'pending'
      }
      if (auction.order !== undefined) {
        this.auctions.set(key, auction)
        // a rejected equivocation was stored and may have voided the order: parked messages
        // are judged again, so what stays parked does not depend on arrival order
        if (err instanceof MarketError && EQUIVOCATIONS.has(err.code)) this.retry(key, auction)
      }
      throw err
    }
    if (auction.order !== undefined) this.auctions.set(key, auction)
    if (result === 'added') this.retry(key, auction)
    return result
  }

  /** Room for a new order: per-tenant and total bounds; a full book first drops final orders. */
  private admitOrder (order: AuctionMessage & { type: 'Order' }, now: number | undefined): void {
    const who = toHex(order.signer)
    // when each of this tenant's admitted orders becomes final: counting open orders must not
    // walk the whole book for every new order (a flood of orders would make that the cost)
    const open = (this.openUntil.get(who) ?? []).filter((t) => now === undefined || t >= now)
    // [IGNORE] one tenant cannot fill the book: its own orders wait until earlier ones end
    if (now !== undefined && open.length >= this.opts.maxOpenOrdersPerTenant) throw ignore('TENANT_ORDERS_FULL', `tenant already has ${open.length} open orders`)
    if (this.auctions.size >= this.opts.maxAuctions && now !== undefined) {
      for (const [id, a] of this.auctions) {
        if (a.isFinal(now) && !isLive(a)) { this.drop(id); break }
      }
    }
    // [IGNORE] the book is full of open orders
    if (this.auctions.size >= this.opts.maxAuctions) throw ignore('BOOK_FULL', 'order book is full')
    open.push(deadlinesOf(order.body, this.params).finalUntil + this.params.maxClockSkewMs)
    this.openUntil.set(who, open)
  }

  private park (key: string, msg: AuctionMessage): void {
    let bucket = this.pending.get(key)
    const id = toHex(msg.id)
    if (bucket?.has(id) === true) return
    const signer = toHex(msg.signer)
    const mine = this.pendingBySigner.get(signer) ?? 0
    // [IGNORE] one signer's messages for orders nobody has seen fill only its own quota
    if (mine >= this.opts.maxPendingPerSigner) throw ignore('SIGNER_PARKED_FULL', `${mine} messages of this signer already wait for their order`)
    // [IGNORE] bounded in total
    if (this.pendingCount >= this.opts.maxPending) throw ignore('PARKED_FULL', 'too many messages waiting for context')
    if (bucket === undefined) { bucket = new Map(); this.pending.set(key, bucket) }
    bucket.set(id, msg)
    this.pendingBySigner.set(signer, mine + 1)
    this.pendingCount++
  }

  private unpark (bucket: Map<string, AuctionMessage>, id: string): void {
    const msg = bucket.get(id)
    if (msg === undefined) return
    bucket.delete(id)
    this.pendingCount--
    const signer = toHex(msg.signer)
    const n = (this.pendingBySigner.get(signer) ?? 1) - 1
    if (n <= 0) this.pendingBySigner.delete(signer)
    else this.pendingBySigner.set(signer, n)
  }

  /** Retry parked messages of one order until nothing more can be added. */
  private retry (key: string, auction: Auction): void {
    const bucket = this.pending.get(key)
    if (bucket === undefined) return
    let progress = true
    while (progress && bucket.size > 0) {
      progress = false
      for (const [id, msg] of bucket) {
        if (auction.voidByTenant()) {
          // void by the tenant: nothing parked can change the outcome, whichever came first
          this.unpark(bucket, id)
          progress = true
          continue
        }
        try {
          auction.add(msg)
        } catch (err) {
          if (err instanceof MarketError && MISSING_CONTEXT.has(err.code)) continue
          // a parked message that breaks a rule is dropped; equivocation evidence was stored
        }
        this.unpark(bucket, id)
        progress = true
      }
    }
    if (bucket.size === 0) this.pending.delete(key)
  }

  /** Forget an order and what waits for it. */
  drop (orderId: string): void {
    this.auctions.delete(orderId)
    const bucket = this.pending.get(orderId)
    if (bucket !== undefined) {
      for (const id of [...bucket.keys()]) this.unpark(bucket, id)
      this.pending.delete(orderId)
    }
  }

  /**
   * Orders final for longer than `retentionMs` and without a live lease, and parked messages
   * whose order never came within the same time: dropped; returns the dropped order ids.
   */
  prune (now: number, retentionMs: number): string[] {
    const dropped: string[] = []
    for (const [id, a] of this.auctions) {
      const d = a.windows()
      if (d !== undefined && now > d.finalUntil + retentionMs && !isLive(a)) { this.drop(id); dropped.push(id) }
    }
    for (const [who, until] of this.openUntil) {
      const open = until.filter((t) => t >= now)
      if (open.length === 0) this.openUntil.delete(who)
      else this.openUntil.set(who, open)
    }
    for (const [id, bucket] of this.pending) {
      if (this.auctions.has(id)) continue
      for (const [mid, msg] of [...bucket]) {
        if (now > msg.body.createdAt + retentionMs) this.unpark(bucket, mid)
      }
      if (bucket.size === 0) { this.pending.delete(id); dropped.push(id) }
    }
    return dropped
  }
}

/** A lease still running (awarded and accepted, not closed) keeps its order in the book. */
function isLive (a: Auction): boolean {
  const o = a.outcome()
  return o.status === 'leased' && o.lease.state === 'active'
}
