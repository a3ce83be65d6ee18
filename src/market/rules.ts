import { sha256 } from '../identity/hash.js'
import { compareBytes, equalBytes, toHex } from '../util/bytes.js'
import { decodeEnvelope, type AnySignedMessage, type MessageType, type Price, type SignedMessage } from '../wire/index.js'
import { ignore, reject, MarketError, type MarketErrorCode } from './errors.js'
import { commitmentOf, orderIdOf, tieBreakOf } from './ids.js'
import { deadlinesOf, type AuctionParams } from './params.js'

export type Order = SignedMessage<'Order'>
export type Commit = SignedMessage<'BidCommit'>
export type Seal = SignedMessage<'Seal'>
export type Reveal = SignedMessage<'BidReveal'>
export type Award = SignedMessage<'Award'>
export type Accept = SignedMessage<'LeaseAccept'>
export type Close = SignedMessage<'LeaseClose'>
export type Evidence = SignedMessage<'Evidence'>
export type Complaint = SignedMessage<'Complaint'>

export type AuctionMessage = Order | Commit | Seal | Reveal | Award | Accept | Close | Evidence | Complaint

/*
 * Rules. Each check is a pure function of the messages it names and the network's parameters,
 * so every node that holds the same messages reaches the same verdict. The clock appears only
 * in `checkTimely`, which decides whether a message arrived in time to be relayed and acted on.
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

/** The order a market message belongs to. */
export function orderKeyOf (msg: AuctionMessage | SignedMessage<'NoBid'>): string {
  return toHex(msg.type === 'Order' ? orderIdOfMessage(msg) : msg.body.orderId)
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
  // [REJECT] for another order or network
  if (!equalBytes(commit.body.orderId, orderIdOfMessage(order)) || commit.body.net !== order.body.net) throw reject('SEAL_WRONG_ORDER', 'commit for another order')
  // [REJECT] a tenant cannot bid on its own order
  if (equalBytes(commit.signer, order.signer)) throw reject('COMMIT_BY_TENANT', 'the tenant bid on its own order')
  // [REJECT] signed after the commit deadline plus the allowed skew
  if (commit.body.createdAt > order.body.commitUntil + p.maxClockSkewMs) {
    throw reject('COMMIT_LATE', `commit signed ${commit.body.createdAt - order.body.commitUntil} ms after the commit deadline`)
  }
}

/** Decoded inner envelopes of a seal or award: decoded (and verified) once per outer message. */
const innerCache = new WeakMap<Seal | Award, AnySignedMessage[]>()

function decodeInner<T extends MessageType> (outer: Seal | Award, list: readonly Uint8Array[], type: T, code: MarketErrorCode): Array<SignedMessage<T>> {
  const cached = innerCache.get(outer)
  if (cached !== undefined) return cached as Array<SignedMessage<T>>
  const out: Array<SignedMessage<T>> = []
  for (const bytes of list) {
    let m: AnySignedMessage
    try {
      m = decodeEnvelope(bytes)
    } catch (err) {
      // [REJECT] the tenant signed a seal or award holding a broken envelope
      throw reject(code, `${outer.type} holds an envelope that does not decode: ${(err as Error).message}`)
    }
    if (m.type !== type) throw reject(code, `${outer.type} holds a ${m.type} where a ${type} belongs`)
    out.push(m as SignedMessage<T>)
  }
  innerCache.set(outer, out as unknown as AnySignedMessage[])
  return out
}

/** The commits a seal carries, decoded (without checking them against the order). */
export function sealCommits (seal: Seal): Commit[] {
  return decodeInner(seal, seal.body.commits, 'BidCommit', 'SEAL_BAD_COMMIT')
}

/** The reveals an award carries, decoded (without checking them against the seal). */
export function awardReveals (award: Award): Reveal[] {
  return decodeInner(award, award.body.reveals, 'BidReveal', 'AWARD_REVEAL_INVALID')
}

/**
 * A seal carries the signed commits it accepts, so it is checked from itself and the order
 * alone. Returns its commits, decoded.
 */
export function checkSeal (order: Order, seal: Seal, p: AuctionParams): Commit[] {
  const b = seal.body
  // [REJECT] only the order's tenant seals
  if (!equalBytes(seal.signer, order.signer)) throw reject('SEAL_NOT_TENANT', 'seal not signed by the order\'s tenant')
  // [REJECT] sealed before the commit deadline (minus skew): providers were still bidding
  if (b.createdAt < order.body.commitUntil - p.maxClockSkewMs) throw reject('SEAL_TOO_EARLY', `seal signed ${order.body.commitUntil - b.createdAt} ms before the commit deadline`)
  // [REJECT] sealed after the reveal deadline: nobody could reveal
  if (b.createdAt > order.body.revealUntil) throw reject('SEAL_LATE', 'seal signed after the reveal deadline')
  // [REJECT] the seed must be the one the order committed to (it ranks commits over the cap)
  if (!equalBytes(sha256(b.seed), order.body.sealSeedHash)) throw reject('SEAL_BAD_SEED', 'seal seed does not match the order\'s sealSeedHash')
  // [REJECT] bounded bidder set
  if (b.commits.length > p.maxBidsPerOrder) throw reject('SEAL_TOO_MANY', `seal accepts ${b.commits.length} commits; the limit is ${p.maxBidsPerOrder}`)
  const commits = sealCommits(seal)
  const providers = new Set<string>()
  let prev: Uint8Array | undefined
  for (const c of commits) {
    // [REJECT] commits sorted by id, no duplicates: one canonical seal per bidder set
    if (prev !== undefined && compareBytes(prev, c.id) >= 0) throw reject('SEAL_NOT_SORTED', 'seal commits are not sorted by id and unique')
    prev = c.id
    // [REJECT] a sealed commit must itself be valid for this order (on time, not by the tenant)
    try {
      checkCommit(order, c, p)
    } catch (err) {
      const code = err instanceof MarketError && err.code === 'SEAL_WRONG_ORDER' ? 'SEAL_WRONG_ORDER' : err instanceof MarketError && err.code === 'COMMIT_BY_TENANT' ? 'SEAL_BAD_COMMIT' : 'SEAL_COMMIT_LATE'
      throw reject(code, `seal includes an invalid commit: ${(err as Error).message}`, { commitId: toHex(c.id) })
    }
    // [REJECT] two commits of one provider: equivocation, the tenant must exclude both
    const who = toHex(c.signer)
    if (providers.has(who)) throw reject('SEAL_DUPLICATE_PROVIDER', 'seal includes two commits of the same provider')
    providers.add(who)
  }
  return commits
}

/** Check a reveal against the sealed commits (by commit id); returns the commit it opens. */
export function checkReveal (order: Order, sealed: ReadonlyMap<string, Commit>, reveal: Reveal, p: AuctionParams): Commit {
  const b = reveal.body
  // [REJECT] for another order or network
  if (!equalBytes(b.orderId, orderIdOfMessage(order)) || b.net !== order.body.net) throw reject('REVEAL_WRONG_ORDER', 'reveal for another order')
  const commit = sealed.get(toHex(b.commitId))
  // [REJECT] opens a commit the seal did not accept
  if (commit === undefined) throw reject('REVEAL_NOT_SEALED', 'reveal for a commit that is not sealed')
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

/** An opened bid; named by the commit it opens (any valid opening of a commit is the same bid). */
export interface Bid {
  provider: Uint8Array
  commitId: Uint8Array
  revealId: Uint8Array
  price: Price
}

/** Does bid a beat bid b? Lower price; ties go to the lowest sha256(orderId, provider). */
export function beats (orderId: Uint8Array, a: Bid, b: Bid): boolean {
  if (a.price.amount !== b.price.amount) return a.price.amount < b.price.amount
  return compareBytes(tieBreakOf(orderId, a.provider), tieBreakOf(orderId, b.provider)) < 0
}

/**
 * The winner among opened bids: lowest price at or under the maximum; ties go to the lowest
 * sha256(orderId, provider). Pure and order-independent.
 */
export function pickWinner (order: Order, bids: readonly Bid[]): Bid | undefined {
  let best: Bid | undefined
  const oid = orderIdOfMessage(order)
  for (const bid of bids) {
    if (bidEligibility(order, bid.price) !== undefined) continue
    if (best === undefined || beats(oid, bid, best)) best = bid
  }
  return best
}

export interface AwardCheck {
  bids: Bid[]
  winner: Bid | undefined
}

/**
 * An award carries the reveals it considered, so it is checked from itself, the order and the
 * sealed commits alone: every reveal opens a sealed commit, one per commit, and the named winner
 * is the lowest eligible bid (or none).
 */
export function checkAward (order: Order, sealed: ReadonlyMap<string, Commit>, award: Award, p: AuctionParams): AwardCheck {
  const b = award.body
  const d = deadlinesOf(order.body, p)
  // [REJECT] only the order's tenant awards
  if (!equalBytes(award.signer, order.signer)) throw reject('AWARD_NOT_TENANT', 'award not signed by the order\'s tenant')
  // [REJECT] awarded before the reveal deadline (minus skew): providers were still revealing
  if (b.createdAt < d.revealUntil - p.maxClockSkewMs) throw reject('AWARD_TOO_EARLY', `award signed ${d.revealUntil - b.createdAt} ms before the reveal deadline`)
  // [REJECT] awarded after the award window: the order has expired for everyone
  if (b.createdAt > d.awardUntil) throw reject('AWARD_LATE', 'award signed after the award window')
  const bids: Bid[] = []
  let prev: Uint8Array | undefined
  for (const r of awardReveals(award)) {
    // [REJECT] reveals sorted by the commit they open, one per commit
    if (prev !== undefined && compareBytes(prev, r.body.commitId) >= 0) throw reject('AWARD_NOT_SORTED', 'award reveals are not sorted by commit id and unique')
    prev = r.body.commitId
    let commit: Commit
    try {
      commit = checkReveal(order, sealed, r, p)
    } catch (err) {
      // [REJECT] the award lists a reveal that is not a valid opening of a sealed commit
      throw reject('AWARD_REVEAL_INVALID', `award lists an invalid reveal: ${(err as Error).message}`, { revealId: toHex(r.id) })
    }
    bids.push({ provider: commit.signer, commitId: commit.id, revealId: r.id, price: r.body.price })
  }
  const winner = pickWinner(order, bids)
  // [REJECT] the award must name the lowest valid bid (or nothing when none qualifies)
  const named = b.winner.length === 0 ? undefined : toHex(b.winner)
  const expected = winner === undefined ? undefined : toHex(winner.commitId)
  if (named !== expected) {
    throw reject('AWARD_WRONG_WINNER', `award names ${named ?? 'no winner'}, the rules give ${expected ?? 'no winner'}`, { named, expected })
  }
  return { bids, winner }
}

/** Message types whose second, different copy by one signer for one order is equivocation. */
export type EquivocationType = 'Order' | 'BidCommit' | 'Seal' | 'Award'
const EQUIVOCATION_TYPES: readonly string[] = ['Order', 'BidCommit', 'Seal', 'Award']

export interface EvidenceCheck {
  type: EquivocationType
  offender: Uint8Array
  /** `<type>:<offender hex>`: one piece of evidence per offender and type is enough */
  key: string
}

export function evidenceKeyOf (type: EquivocationType, offender: Uint8Array): string {
  return `${type}:${toHex(offender)}`
}

/**
 * Evidence: two different messages of one type, signed by one key, for the same order. Any node
 * checks it alone (the order is needed only to know who its tenant is).
 */
export function checkEvidence (order: Order | undefined, ev: Evidence): EvidenceCheck {
  const decode = (bytes: Uint8Array): AnySignedMessage => {
    try {
      return decodeEnvelope(bytes)
    } catch (err) {
      // [REJECT] the reporter signed evidence that does not decode
      throw reject('EVIDENCE_MALFORMED', `evidence holds an envelope that does not decode: ${(err as Error).message}`)
    }
  }
  const a = decode(ev.body.first)
  const b = decode(ev.body.second)
  // [REJECT] two messages of one equivocation type by one signer
  if (a.type !== b.type || !EQUIVOCATION_TYPES.includes(a.type) || !equalBytes(a.signer, b.signer)) {
    throw reject('EVIDENCE_MISMATCH', 'evidence must hold two orders, commits, seals or awards by one signer')
  }
  // [REJECT] two copies of the same message prove nothing
  if (equalBytes(a.id, b.id)) throw reject('EVIDENCE_SAME', 'evidence holds the same message twice')
  const type = a.type as EquivocationType
  const oa = orderKeyOf(a as AuctionMessage)
  const ob = orderKeyOf(b as AuctionMessage)
  const target = toHex(ev.body.orderId)
  // [REJECT] both for the order the evidence names, on this network
  if (oa !== target || ob !== target || a.body.net !== ev.body.net || b.body.net !== ev.body.net) {
    throw reject('EVIDENCE_WRONG_ORDER', 'evidence messages are for another order or network')
  }
  if (type === 'Seal' || type === 'Award') {
    // [IGNORE] who the tenant is comes from the order
    if (order === undefined) throw ignore('UNKNOWN_ORDER', 'order not seen here', { need: [target] })
    // [REJECT] seals and awards equivocate only when the tenant signed both
    if (!equalBytes(a.signer, order.signer)) throw reject('EVIDENCE_NOT_TENANT', 'seal or award evidence not signed by the order\'s tenant')
  }
  if (type === 'BidCommit' && order !== undefined && equalBytes(a.signer, order.signer)) {
    // [REJECT] the tenant's commits are invalid anyway; they prove nothing about a bidder
    throw reject('EVIDENCE_MISMATCH', 'commit evidence signed by the order\'s tenant')
  }
  return { type, offender: a.signer, key: evidenceKeyOf(type, a.signer) }
}

/**
 * A complaint: the provider shows a valid opening of its sealed commit that the award left
 * out. Returns the reveal and the commit it opens.
 */
export function checkComplaint (order: Order, sealed: ReadonlyMap<string, Commit>, awarded: ReadonlySet<string>, complaint: Complaint, p: AuctionParams): { reveal: Reveal, commit: Commit } {
  let reveal: AnySignedMessage
  try {
    reveal = decodeEnvelope(complaint.body.reveal)
  } catch (err) {
    throw reject('COMPLAINT_UNFOUNDED', `complaint holds an envelope that does not decode: ${(err as Error).message}`)
  }
  // [REJECT] a complaint carries a reveal
  if (reveal.type !== 'BidReveal') throw reject('COMPLAINT_UNFOUNDED', `complaint holds a ${reveal.type}, not a BidReveal`)
  // [REJECT] only the provider whose bid was left out complains
  if (!equalBytes(reveal.signer, complaint.signer)) throw reject('COMPLAINT_NOT_PROVIDER', 'complaint not signed by the provider of the reveal')
  if (!equalBytes(reveal.body.orderId, complaint.body.orderId)) throw reject('COMPLAINT_UNFOUNDED', 'complaint reveal for another order')
  // [REJECT] the reveal must be a valid, timely opening of a sealed commit
  const commit = checkReveal(order, sealed, reveal, p)
  // [REJECT] the award did list this bid: nothing to complain about
  if (awarded.has(toHex(commit.id))) throw reject('COMPLAINT_UNFOUNDED', 'the award lists this bid')
  return { reveal, commit }
}

/** Which window a message must arrive in (local clock), per type; undefined: no window. */
export type Arrival = 'gossip' | 'sync'

/**
 * Did a message arrive in time to be relayed and acted on, by this node's clock? Checked on
 * every message from the network (gossip and sync), never on a node's own store: what a node
 * accepted in time it keeps, so restarts reproduce the same outcome. After an order's final
 * deadline nothing but a LeaseClose can change it, so a back-dated message published later
 * cannot resurrect an order. Gossip is stricter than sync for messages that only matter while
 * the auction runs; sync may still bring a seal or award a partition kept from a node, until
 * the order is final.
 */
export function checkTimely (msg: AuctionMessage, order: Order | undefined, now: number, p: AuctionParams, via: Arrival): void {
  const windows = msg.type === 'Order' ? msg.body : order?.body
  if (windows === undefined) return
  const d = deadlinesOf(windows, p)
  const final = d.finalUntil + p.maxClockSkewMs
  let until: number
  switch (msg.type) {
    case 'Order': until = via === 'gossip' ? d.revealUntil : final; break
    case 'BidCommit': until = d.commitUntil + p.maxClockSkewMs; break
    case 'BidReveal': until = d.revealUntil + p.maxClockSkewMs; break
    case 'Seal': until = via === 'gossip' ? d.revealUntil + p.maxClockSkewMs : final; break
    case 'Award': until = via === 'gossip' ? d.awardUntil + p.maxClockSkewMs : final; break
    case 'LeaseAccept': case 'Evidence': case 'Complaint': until = final; break
    case 'LeaseClose': return
  }
  // [IGNORE] arrived after its window by this node's clock: neither relayed nor acted on
  if (now > until) throw ignore('ARRIVED_LATE', `${msg.type} arrived ${now - until} ms after its window`, { type: msg.type, until })
}
