import { toHex } from '../util/bytes.js'
import { Auction, orderIdOfMessage, type AuctionMessage, type Outcome } from './auction.js'
import { MarketError, MISSING_CONTEXT, ignore } from './errors.js'
import type { AuctionParams } from './params.js'

export type BookResult = 'added' | 'duplicate' | 'pending'

export interface OrderBookOptions {
  /** messages waiting for a message they depend on (an order, a seal, a commit) */
  maxPending: number
  /** auctions kept in memory */
  maxAuctions: number
}

export const defaultOrderBookOptions: OrderBookOptions = { maxPending: 20_000, maxAuctions: 100_000 }

export function orderKeyOf (msg: AuctionMessage): string {
  return toHex(msg.type === 'Order' ? orderIdOfMessage(msg) : msg.body.orderId)
}

/**
 * Every auction a node knows, keyed by order id. Messages can arrive in any order: one whose
 * context is missing is parked (bounded) and retried whenever its order gains a message, so the
 * same message set always ends in the same state whatever the arrival order.
 */
export class OrderBook {
  private readonly auctions = new Map<string, Auction>()
  private readonly pending = new Map<string, Map<string, AuctionMessage>>()
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

  /** Ids of messages parked for an order, and which ids they wait for (for sync requests). */
  pendingFor (orderId: string): AuctionMessage[] {
    return [...(this.pending.get(orderId)?.values() ?? [])]
  }

  /**
   * Add a message. Returns 'pending' when it waits for context. Throws MarketError when the
   * message breaks a rule (equivocations are stored as evidence and still throw REJECT).
   */
  add (msg: AuctionMessage): BookResult {
    const key = orderKeyOf(msg)
    let auction = this.auctions.get(key)
    if (auction === undefined) {
      if (this.auctions.size >= this.opts.maxAuctions) throw ignore('TOO_MANY_BIDS', 'order book is full')
      auction = new Auction(key, this.params)
    }
    let result: BookResult
    try {
      result = auction.add(msg)
    } catch (err) {
      if (err instanceof MarketError && MISSING_CONTEXT.has(err.code)) {
        this.park(key, msg)
        if (Array.isArray(err.details.need)) auction.want(err.details.need as string[])
        this.auctions.set(key, auction)
        return 'pending'
      }
      if (auction.messages().length > 0) this.auctions.set(key, auction)
      throw err
    }
    this.auctions.set(key, auction)
    if (result === 'added') this.retry(key, auction)
    return result
  }

  private park (key: string, msg: AuctionMessage): void {
    let bucket = this.pending.get(key)
    const id = toHex(msg.id)
    if (bucket?.has(id) === true) return
    if (this.pendingCount >= this.opts.maxPending) throw ignore('TOO_MANY_BIDS', 'too many messages waiting for context')
    if (bucket === undefined) { bucket = new Map(); this.pending.set(key, bucket) }
    bucket.set(id, msg)
    this.pendingCount++
  }

  /** Retry parked messages of one order until nothing more can be added. */
  private retry (key: string, auction: Auction): void {
    const bucket = this.pending.get(key)
    if (bucket === undefined) return
    let progress = true
    while (progress && bucket.size > 0) {
      progress = false
      for (const [id, msg] of bucket) {
        try {
          auction.add(msg)
        } catch (err) {
          if (err instanceof MarketError && MISSING_CONTEXT.has(err.code)) continue
          // a parked message that breaks a rule is dropped; equivocation evidence was stored
        }
        bucket.delete(id)
        this.pendingCount--
        progress = true
      }
    }
    if (bucket.size === 0) this.pending.delete(key)
  }

  /** Forget an order and what waits for it (after expiry and persistence). */
  drop (orderId: string): void {
    this.auctions.delete(orderId)
    const bucket = this.pending.get(orderId)
    if (bucket !== undefined) { this.pendingCount -= bucket.size; this.pending.delete(orderId) }
  }
}
