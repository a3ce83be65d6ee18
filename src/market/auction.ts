import { compareBytes, equalBytes, toHex } from '../util/bytes.js'
import type { SignedMessage, Price } from '../wire/index.js'
import { ignore, reject, MarketError } from './errors.js'
import { commitmentOf, isStrictlySorted, leaseIdOf, orderIdOf, tieBreakOf } from './ids.js'
import type { AuctionParams } from './params.js'

type Order = SignedMessage<'Order'>
type Commit = SignedMessage<'BidCommit'>
type Seal = SignedMessage<'Seal'>
type Reveal = SignedMessage<'BidReveal'>
type Award = SignedMessage<'Award'>
type Accept = SignedMessage<'LeaseAccept'>
type Close = SignedMessage<'LeaseClose'>

export type AuctionMessage = Order | Commit | Seal | Reveal | Award | Accept | Close

/*
 * Rules. Each check is a pure function of the messages it names and the shared parameters, so
 * every node that holds the same messages reaches the same verdict. The clock appears only in
 * `checkTimely`, which decides whether to relay a message now; it never decides an outcome.
 */

const orderIds = new WeakMap<Order, Uint8Array>()

/** The order id of an Order message (not its message id): sha256(tenant, dseq, gseq). */
export function orderIdOfMessage (order: Order): Uint8Array {
  let id = orderIds.get(order)
  if (id === undefined) {
    id = orderIdOf(order.signer, order.body.dseq, order.body.gseq)
    orderIds.set(order, id)
  }
  return id
}

/** Sum of unit price x count, or an error if the units use several denominations. */
export function orderTotal (order: Order['body']): Price {
  const first = order.group.resources[0]
  if (first === undefined) throw reject('ORDER_NO_RESOURCES', 'order has no resource units')
  let amount = 0n
  for (const u of order.group.resources) {
    if (u.price.denom !== first.price.denom) throw reject('ORDER_MIXED_DENOMS', `order mixes ${first.price.denom} and ${u.price.denom}`)
    amount += u.price.amount * BigInt(u.count)
  }
  return { denom: first.price.denom, amount }
}

/**
 * The last moment a tenant may award an order: the reveal deadline plus the award window, which
 * is at least `awardWindowMs` and at least five reveal windows. It derives from the order itself,
 * so every node agrees on it whatever windows the tenant chose.
 */
export function awardUntil (order: Pick<Order['body'], 'commitUntil' | 'revealUntil'>, p: Pick<AuctionParams, 'awardWindowMs'>): number {
  return order.revealUntil + Math.max(p.awardWindowMs, 5 * (order.revealUntil - order.commitUntil))
}

export function checkOrder (order: Order, p: AuctionParams): void {
  const b = order.body
  // [REJECT] deadlines out of order: created < commitUntil < revealUntil
  if (!(b.createdAt < b.commitUntil && b.commitUntil < b.revealUntil)) {
    throw reject('ORDER_BAD_WINDOWS', `order deadlines out of order: created ${b.createdAt}, commitUntil ${b.commitUntil}, revealUntil ${b.revealUntil}`)
  }
  // [REJECT] an order may not hold providers' capacity for longer than the network allows
  if (b.revealUntil - b.createdAt > p.maxOrderWindowMs) throw reject('ORDER_WINDOW_TOO_LONG', `order runs ${b.revealUntil - b.createdAt} ms; the limit is ${p.maxOrderWindowMs}`)
  // [REJECT] the maximum is exactly the sum of unit price x count, in one denomination
  const total = orderTotal(b)
  if (total.denom !== b.maxPrice.denom || total.amount !== b.maxPrice.amount) {
    throw reject('ORDER_MAX_PRICE_MISMATCH', `order maxPrice ${b.maxPrice.amount} ${b.maxPrice.denom} is not the sum of its units ${total.amount} ${total.denom}`)
  }
}

export function checkCommit (order: Order, commit: Commit, p: AuctionParams): void {
  // [REJECT] a tenant cannot bid on its own order
  if (equalBytes(commit.signer, order.signer)) throw reject('COMMIT_BY_TENANT', 'the tenant bid on its own order')
  // [REJECT] signed after the commit deadline plus the allowed skew
  if (commit.body.createdAt > order.body.commitUntil + p.maxClockSkewMs) {
    throw reject('COMMIT_LATE', `commit signed ${commit.body.createdAt - order.body.commitUntil} ms after the commit deadline`)
  }
}

export function checkSeal (order: Order, seal: Seal, commits: ReadonlyMap<string, Commit>, p: AuctionParams): void {
  const b = seal.body
  // [REJECT] only the order's tenant seals
  if (!equalBytes(seal.signer, order.signer)) throw reject('SEAL_NOT_TENANT', 'seal not signed by the order\'s tenant')
  // [REJECT] sealed before the commit deadline (minus skew): providers were still bidding
  if (b.createdAt < order.body.commitUntil - p.maxClockSkewMs) throw reject('SEAL_TOO_EARLY', `seal signed ${order.body.commitUntil - b.createdAt} ms before the commit deadline`)
  // [REJECT] sealed after the reveal deadline: nobody could reveal
  if (b.createdAt > order.body.revealUntil) throw reject('SEAL_LATE', 'seal signed after the reveal deadline')
  // [REJECT] commit ids must be sorted and unique (one canonical seal per bidder set)
  if (!isStrictlySorted(b.commits)) throw reject('SEAL_NOT_SORTED', 'seal commit ids are not sorted and unique')
  // [REJECT] bounded bidder set
  if (b.commits.length > p.maxBidsPerOrder) throw reject('SEAL_TOO_MANY', `seal accepts ${b.commits.length} commits; the limit is ${p.maxBidsPerOrder}`)
  const providers = new Set<string>()
  const missing: string[] = []
  for (const id of b.commits) {
    const c = commits.get(toHex(id))
    if (c === undefined) { missing.push(toHex(id)); continue }
    // [REJECT] a sealed commit belongs to another order
    if (!equalBytes(c.body.orderId, b.orderId)) throw reject('SEAL_WRONG_ORDER', 'seal includes a commit for another order')
    // [REJECT] a sealed commit was itself invalid (late, or by the tenant)
    try {
      checkCommit(order, c, p)
    } catch (err) {
      throw reject('SEAL_COMMIT_LATE', `seal includes an invalid commit: ${(err as Error).message}`, { commitId: toHex(id) })
    }
    // [REJECT] two commits of one provider: equivocation, the tenant must exclude both
    const who = toHex(c.signer)
    if (providers.has(who)) throw reject('SEAL_DUPLICATE_PROVIDER', 'seal includes two commits of the same provider')
    providers.add(who)
  }
  // [IGNORE] commits we have not seen yet: fetch them, then check again
  if (missing.length > 0) throw ignore('UNKNOWN_COMMIT', `seal names ${missing.length} commit(s) not seen here`, { need: missing })
}

/** Check a reveal against a valid seal; returns the commit it opens. */
export function checkReveal (order: Order, seal: Seal, commits: ReadonlyMap<string, Commit>, reveal: Reveal, p: AuctionParams): Commit {
  const b = reveal.body
  // [REJECT] for another order
  if (!equalBytes(b.orderId, orderIdOfMessage(order))) throw reject('REVEAL_WRONG_ORDER', 'reveal for another order')
  // [REJECT] opens a commit the seal did not accept
  if (!seal.body.commits.some((c) => equalBytes(c, b.commitId))) throw reject('REVEAL_NOT_SEALED', 'reveal for a commit that is not sealed')
  const commit = commits.get(toHex(b.commitId))
  if (commit === undefined) throw ignore('UNKNOWN_COMMIT', 'reveal for a commit not seen here', { need: [toHex(b.commitId)] })
  // [REJECT] only the committer can reveal
  if (!equalBytes(reveal.signer, commit.signer)) throw reject('REVEAL_NOT_PROVIDER', 'reveal not signed by the provider that committed')
  // [REJECT] price and salt do not open the commitment
  if (!equalBytes(commitmentOf(orderIdOfMessage(order), commit.signer, b.price, b.salt), commit.body.commitment)) {
    throw reject('REVEAL_MISMATCH', 'reveal does not open its commit')
  }
  // [REJECT] signed after the reveal deadline plus skew
  if (b.createdAt > order.body.revealUntil + p.maxClockSkewMs) throw reject('REVEAL_LATE', `reveal signed ${b.createdAt - order.body.revealUntil} ms after the reveal deadline`)
  return commit
}

/** Can this opened bid win? Returns the reason when it cannot. */
export function bidEligibility (order: Order, price: Price): MarketError | undefined {
  // [IGNORE] wrong money: a valid opening of a useless bid
  if (price.denom !== order.body.maxPrice.denom) return ignore('PRICE_DENOM_MISMATCH', `bid in ${price.denom}, order in ${order.body.maxPrice.denom}`)
  // [IGNORE] above the order's maximum
  if (price.amount > order.body.maxPrice.amount) return ignore('PRICE_ABOVE_MAX', `bid ${price.amount} above the maximum ${order.body.maxPrice.amount}`)
  return undefined
}

export interface Bid {
  provider: Uint8Array
  commitId: Uint8Array
  revealId: Uint8Array
  price: Price
}

/**
 * The winner among opened bids: lowest price at or under the maximum; ties go to the lowest
 * sha256(orderId, provider). Pure and order-independent.
 */
export function pickWinner (order: Order, bids: readonly Bid[]): Bid | undefined {
  let best: Bid | undefined
  let bestTie: Uint8Array | undefined
  const oid = orderIdOfMessage(order)
  for (const bid of bids) {
    if (bidEligibility(order, bid.price) !== undefined) continue
    if (best === undefined || bid.price.amount < best.price.amount) {
      best = bid
      bestTie = undefined
    } else if (bid.price.amount === best.price.amount) {
      // tie-break hashes only when prices tie: most auctions never need one
      bestTie ??= tieBreakOf(oid, best.provider)
      const tie = tieBreakOf(oid, bid.provider)
      if (compareBytes(tie, bestTie) < 0) { best = bid; bestTie = tie }
    }
  }
  return best
}

/** Check an award against a valid seal and the reveals it lists; returns the winning bid, if any. */
export function checkAward (order: Order, seal: Seal, commits: ReadonlyMap<string, Commit>, reveals: ReadonlyMap<string, Reveal>, award: Award, p: AuctionParams): Bid | undefined {
  const b = award.body
  // [REJECT] only the order's tenant awards
  if (!equalBytes(award.signer, order.signer)) throw reject('AWARD_NOT_TENANT', 'award not signed by the order\'s tenant')
  // [REJECT] awarded before the reveal deadline (minus skew): providers were still revealing
  if (b.createdAt < order.body.revealUntil - p.maxClockSkewMs) throw reject('AWARD_TOO_EARLY', `award signed ${order.body.revealUntil - b.createdAt} ms before the reveal deadline`)
  // [REJECT] awarded after the award window: the order has expired for everyone
  if (b.createdAt > awardUntil(order.body, p)) throw reject('AWARD_LATE', 'award signed after the award window')
  // [REJECT] reveal ids must be sorted and unique
  if (!isStrictlySorted(b.reveals)) throw reject('AWARD_NOT_SORTED', 'award reveal ids are not sorted and unique')
  const bids: Bid[] = []
  const opened = new Set<string>()
  const missing: string[] = []
  for (const id of b.reveals) {
    const r = reveals.get(toHex(id))
    if (r === undefined) { missing.push(toHex(id)); continue }
    let commit: Commit
    try {
      commit = checkReveal(order, seal, commits, r, p)
    } catch (err) {
      if (err instanceof MarketError && err.action === 'IGNORE') throw err
      // [REJECT] the award lists a reveal that is not a valid opening of a sealed commit
      throw reject('AWARD_REVEAL_INVALID', `award lists an invalid reveal: ${(err as Error).message}`, { revealId: toHex(id) })
    }
    // [REJECT] two reveals of one commit: the award must list each bid once
    const key = toHex(commit.id)
    if (opened.has(key)) throw reject('AWARD_REVEAL_INVALID', 'award lists two reveals of the same commit', { revealId: toHex(id) })
    opened.add(key)
    bids.push({ provider: commit.signer, commitId: commit.id, revealId: r.id, price: r.body.price })
  }
  // [IGNORE] reveals we have not seen yet: fetch them, then check again
  if (missing.length > 0) throw ignore('UNKNOWN_REVEAL', `award names ${missing.length} reveal(s) not seen here`, { need: missing })
  const winner = pickWinner(order, bids)
  // [REJECT] the award must name the lowest valid reveal (or nothing when none qualifies)
  const named = b.winner.length === 0 ? undefined : toHex(b.winner)
  const expected = winner === undefined ? undefined : toHex(winner.revealId)
  if (named !== expected) {
    throw reject('AWARD_WRONG_WINNER', `award names ${named ?? 'no winner'}, the rules give ${expected ?? 'no winner'}`, { named, expected })
  }
  return winner
}

export type LeaseState = 'awarded' | 'active' | 'closed'

export interface Lease {
  leaseId: string
  orderId: Uint8Array
  tenant: Uint8Array
  provider: Uint8Array
  price: Price
  awardId: Uint8Array
  revealId: Uint8Array
  state: LeaseState
  /** id of the LeaseAccept, once the provider accepted */
  acceptId?: Uint8Array
  /** who closed it and why */
  closedBy?: 'tenant' | 'provider'
  closeReason?: string
}

export type Outcome =
  | { status: 'pending', reason: 'NO_ORDER' | 'NO_SEAL' | 'NO_AWARD' }
  | { status: 'void', reason: 'ORDER_EQUIVOCATION' | 'SEAL_EQUIVOCATION' | 'AWARD_EQUIVOCATION' }
  | { status: 'no-lease', awardId: Uint8Array }
  | { status: 'leased', lease: Lease }

export type Phase = 'unknown' | 'commit' | 'sealing' | 'reveal' | 'awarding' | 'awarded' | 'expired' | 'void'

export type AddResult = 'added' | 'duplicate'

/**
 * One order's auction: the messages that passed their checks, and the outcome derived from
 * them. The outcome depends only on the order, the tenant's seal and award, and the commits and
 * reveals those name, so the same messages in any order, with any duplicates, give the same
 * outcome, and a message the award does not name can never change it.
 */
export class Auction {
  private readonly orders = new Map<string, Order>()
  private readonly commits = new Map<string, Commit>()
  private readonly commitsByProvider = new Map<string, string[]>()
  private readonly seals = new Map<string, Seal>()
  private readonly reveals = new Map<string, Reveal>()
  private readonly awards = new Map<string, Award>()
  private readonly accepts = new Map<string, Accept>()
  private readonly closes = new Map<string, Close>()
  private cached: Outcome | undefined
  /** the winner found when the (single) award was checked; its inputs never change once stored */
  private awardWinner: Bid | undefined
  /** ids that parked messages (a seal, an award) wait for: always admitted past the caps */
  private readonly wanted = new Set<string>()

  constructor (readonly orderIdHex: string, private readonly params: AuctionParams) {}

  get order (): Order | undefined {
    return this.orders.size === 1 ? this.orders.values().next().value : undefined
  }

  /** Remember ids a parked message needs, so the bidder cap never shuts them out. */
  want (ids: Iterable<string>): void {
    for (const id of ids) if (this.wanted.size < 4 * this.params.maxBidsPerOrder + 16) this.wanted.add(id)
  }

  /** Providers caught signing two different commits for this order (evidence for reputation). */
  equivocators (): string[] {
    return [...this.commitsByProvider].filter(([, ids]) => ids.length > 1).map(([p]) => p)
  }

  get seal (): Seal | undefined { return this.seals.size === 1 ? this.seals.values().next().value : undefined }
  get award (): Award | undefined { return this.awards.size === 1 ? this.awards.values().next().value : undefined }
  commitList (): Commit[] { return [...this.commits.values()] }
  revealList (): Reveal[] { return [...this.reveals.values()] }
  has (id: string): boolean {
    return this.orders.has(id) || this.commits.has(id) || this.seals.has(id) || this.reveals.has(id) || this.awards.has(id) || this.accepts.has(id) || this.closes.has(id)
  }

  /** Every stored message, for sync and persistence. */
  messages (): AuctionMessage[] {
    return [...this.orders.values(), ...this.commits.values(), ...this.seals.values(), ...this.reveals.values(), ...this.awards.values(), ...this.accepts.values(), ...this.closes.values()]
  }

  /**
   * Check a message against what this auction holds and store it. Throws MarketError: REJECT
   * for a provably bad message, IGNORE for a useless one, and an IGNORE with a MISSING_CONTEXT
   * code when it needs a message not seen yet (the caller keeps it and retries).
   */
  add (msg: AuctionMessage): AddResult {
    const id = toHex(msg.id)
    if (this.has(id)) return 'duplicate'
    switch (msg.type) {
      case 'Order': return this.addOrder(id, msg)
      case 'BidCommit': return this.addCommit(id, msg)
      case 'Seal': return this.addSeal(id, msg)
      case 'BidReveal': return this.addReveal(id, msg)
      case 'Award': return this.addAward(id, msg)
      case 'LeaseAccept': return this.addAccept(id, msg)
      case 'LeaseClose': return this.addClose(id, msg)
    }
  }

  private stored<T extends AuctionMessage> (map: Map<string, T>, id: string, msg: T): AddResult {
    map.set(id, msg)
    this.cached = undefined
    return 'added'
  }

  private needOrder (): Order {
    if (this.orders.size === 0) throw ignore('UNKNOWN_ORDER', 'order not seen here', { need: [this.orderIdHex] })
    const order = this.order
    // [IGNORE] the tenant equivocated: the order is void, nothing more matters
    if (order === undefined) throw ignore('ORDER_EQUIVOCATION', 'the tenant signed two different orders with this id')
    return order
  }

  private addOrder (id: string, msg: Order): AddResult {
    checkOrder(msg, this.params)
    if (this.orders.size > 0) {
      // [REJECT] a second, different order under the same (tenant, dseq, gseq): voids the order
      this.stored(this.orders, id, msg)
      throw reject('ORDER_EQUIVOCATION', 'the tenant signed two different orders with this id')
    }
    return this.stored(this.orders, id, msg)
  }

  private addCommit (id: string, msg: Commit): AddResult {
    const order = this.needOrder()
    checkCommit(order, msg, this.params)
    const who = toHex(msg.signer)
    const mine = this.commitsByProvider.get(who) ?? []
    // [IGNORE] bounded per order; commits a seal names are always kept
    const named = this.wanted.has(id) || [...this.seals.values()].some((s) => s.body.commits.some((c) => toHex(c) === id))
    if (!named && mine.length === 0 && this.commitsByProvider.size >= 4 * this.params.maxBidsPerOrder) {
      throw ignore('TOO_MANY_BIDS', `order already has ${this.commitsByProvider.size} bidders`)
    }
    mine.push(id)
    this.commitsByProvider.set(who, mine)
    this.stored(this.commits, id, msg)
    // [REJECT] a second, different commit by the same provider: equivocation
    if (mine.length > 1) throw reject('BID_EQUIVOCATION', 'provider signed two different commits for this order', { provider: who })
    return 'added'
  }

  private addSeal (id: string, msg: Seal): AddResult {
    const order = this.needOrder()
    checkSeal(order, msg, this.commits, this.params)
    this.stored(this.seals, id, msg)
    // [REJECT] a second, different seal: the tenant equivocated and the order is void
    if (this.seals.size > 1) throw reject('SEAL_EQUIVOCATION', 'the tenant signed two different seals for this order')
    return 'added'
  }

  private needSeal (): Seal {
    const seal = this.seal
    if (this.seals.size > 1) throw ignore('SEAL_EQUIVOCATION', 'the order is void: two seals')
    if (seal === undefined) throw ignore('NOT_SEALED_YET', 'no seal seen here yet', { need: [this.orderIdHex] })
    return seal
  }

  private addReveal (id: string, msg: Reveal): AddResult {
    const order = this.needOrder()
    const seal = this.needSeal()
    const commit = checkReveal(order, seal, this.commits, msg, this.params)
    // [IGNORE] the same opening signed again (another createdAt): one reveal per commit is enough
    for (const r of this.reveals.values()) {
      if (equalBytes(r.body.commitId, commit.id)) throw ignore('REVEAL_DUPLICATE', 'this commit is already revealed')
    }
    return this.stored(this.reveals, id, msg)
  }

  private addAward (id: string, msg: Award): AddResult {
    const order = this.needOrder()
    const seal = this.needSeal()
    const winner = checkAward(order, seal, this.commits, this.reveals, msg, this.params)
    if (this.awards.size === 0) this.awardWinner = winner
    this.stored(this.awards, id, msg)
    // [REJECT] a second, different award: the tenant equivocated and the order is void
    if (this.awards.size > 1) throw reject('AWARD_EQUIVOCATION', 'the tenant signed two different awards for this order')
    return 'added'
  }

  private needLease (): Lease {
    const o = this.outcome()
    // [IGNORE] not awarded yet (the award travels on another topic and may come later): parked
    if (o.status === 'pending') throw ignore('NOT_AWARDED_YET', 'the order has no award yet', { need: [this.orderIdHex] })
    // [IGNORE] the order ended without a lease: nothing to accept or close
    if (o.status !== 'leased') throw ignore('LEASE_NOT_AWARDED', 'no lease for this order')
    return o.lease
  }

  private addAccept (id: string, msg: Accept): AddResult {
    const lease = this.needLease()
    // [REJECT] only the winning provider accepts
    if (!equalBytes(msg.signer, lease.provider)) throw reject('LEASE_NOT_PARTY', 'lease accepted by someone other than its provider')
    // [REJECT] must name this award and the order's manifest
    if (!equalBytes(msg.body.awardId, lease.awardId) || !equalBytes(msg.body.manifestHash, (this.order as Order).body.manifestHash)) {
      throw reject('LEASE_ACCEPT_MISMATCH', 'lease accept names another award or manifest')
    }
    return this.stored(this.accepts, id, msg)
  }

  private addClose (id: string, msg: Close): AddResult {
    const lease = this.needLease()
    // [REJECT] only the tenant or the provider close, and only their own lease
    if (!equalBytes(msg.body.provider, lease.provider) || !(equalBytes(msg.signer, lease.tenant) || equalBytes(msg.signer, lease.provider))) {
      throw reject('LEASE_NOT_PARTY', 'lease closed by someone who is not a party to it')
    }
    return this.stored(this.closes, id, msg)
  }

  /** The outcome, derived from the stored messages alone (no clock). */
  outcome (): Outcome {
    if (this.cached !== undefined) return this.cached
    this.cached = this.computeOutcome()
    return this.cached
  }

  private computeOutcome (): Outcome {
    if (this.orders.size === 0) return { status: 'pending', reason: 'NO_ORDER' }
    if (this.orders.size > 1) return { status: 'void', reason: 'ORDER_EQUIVOCATION' }
    if (this.seals.size > 1) return { status: 'void', reason: 'SEAL_EQUIVOCATION' }
    if (this.seals.size === 0) return { status: 'pending', reason: 'NO_SEAL' }
    if (this.awards.size > 1) return { status: 'void', reason: 'AWARD_EQUIVOCATION' }
    const award = this.award
    if (award === undefined) return { status: 'pending', reason: 'NO_AWARD' }
    const order = this.order as Order
    const winner = this.awardWinner
    if (winner === undefined) return { status: 'no-lease', awardId: award.id }
    const lease: Lease = {
      leaseId: leaseIdOf(orderIdOfMessage(order), winner.provider),
      orderId: orderIdOfMessage(order),
      tenant: order.signer,
      provider: winner.provider,
      price: winner.price,
      awardId: award.id,
      revealId: winner.revealId,
      state: 'awarded'
    }
    // Accept and close only move the state forward; which copy arrived first does not matter.
    const accept = [...this.accepts.values()].sort((a, b) => compareBytes(a.id, b.id))[0]
    if (accept !== undefined) { lease.state = 'active'; lease.acceptId = accept.id }
    const close = [...this.closes.values()].sort((a, b) => compareBytes(a.id, b.id))[0]
    if (close !== undefined) {
      lease.state = 'closed'
      lease.closedBy = equalBytes(close.signer, lease.tenant) ? 'tenant' : 'provider'
      lease.closeReason = close.body.reason
    }
    return { status: 'leased', lease }
  }

  /** Where the auction stands at `now` (display and tenant/provider timers only). */
  phase (now: number): Phase {
    const o = this.outcome()
    if (o.status === 'void') return 'void'
    if (o.status === 'leased' || o.status === 'no-lease') return 'awarded'
    const order = this.order
    if (order === undefined) return 'unknown'
    const b = order.body
    if (this.seals.size === 0) {
      if (now <= b.commitUntil) return 'commit'
      return now <= b.revealUntil ? 'sealing' : 'expired'
    }
    if (now <= b.revealUntil) return 'reveal'
    return now <= awardUntil(b, this.params) ? 'awarding' : 'expired'
  }
}

/**
 * Should a message be relayed now? Clock-based and local: a late message is IGNOREd on gossip
 * (it cannot matter any more, or a peer can fetch it through sync if a seal or award names it).
 */
export function checkTimely (msg: AuctionMessage, order: Order | undefined, now: number, p: AuctionParams): void {
  if (order === undefined) return
  const b = order.body
  switch (msg.type) {
    case 'Order':
      // [IGNORE] an order whose reveal deadline has passed cannot get bids any more
      if (now > msg.body.revealUntil) throw ignore('ORDER_EXPIRED', 'order past its reveal deadline')
      return
    case 'BidCommit':
      // [IGNORE] arrived after the commit deadline plus skew
      if (now > b.commitUntil + p.maxClockSkewMs) throw ignore('COMMIT_LATE', 'commit arrived after the commit deadline')
      return
    case 'BidReveal':
      if (now > b.revealUntil + p.maxClockSkewMs) throw ignore('REVEAL_LATE', 'reveal arrived after the reveal deadline')
      return
    default:
  }
}
