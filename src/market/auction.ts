import { compareBytes, equalBytes, toHex } from '../util/bytes.js'
import { ignore, reject } from './errors.js'
import { leaseIdOf } from './ids.js'
import { deadlinesOf, type AuctionParams, type Deadlines } from './params.js'
import {
  awardReveals, checkAward, checkCommit, checkComplaint, checkEvidence, checkOrder, checkReveal, checkSeal, bidEligibility, beats, evidenceKeyOf, orderIdOfMessage,
  type Accept, type AuctionMessage, type Award, type Bid, type Close, type Commit, type Complaint, type EquivocationType, type Evidence, type Order, type Reveal, type Seal
} from './rules.js'

export type LeaseState = 'awarded' | 'active' | 'closed'

export interface Lease {
  leaseId: string
  orderId: Uint8Array
  tenant: Uint8Array
  provider: Uint8Array
  price: Price
  awardId: Uint8Array
  /** the commit the winning bid opens (a bid is named by its commit) */
  commitId: Uint8Array
  revealId: Uint8Array
  state: LeaseState
  /** id of the LeaseAccept, once the provider accepted */
  acceptId?: Uint8Array
  /** who closed it and why */
  closedBy?: 'tenant' | 'provider'
  closeReason?: string
}

type Price = Bid['price']

/**
 * TENANT_EQUIVOCATION: the tenant signed two different orders, seals or awards for the order
 * (which kind a node learned first is arrival-dependent, so the outcome does not name it; the
 * evidence does). WINNER_EQUIVOCATION: the winning provider signed two different commits.
 */
export type VoidReason = 'TENANT_EQUIVOCATION' | 'WINNER_EQUIVOCATION'

export type Outcome =
  | { status: 'pending', reason: 'NO_ORDER' | 'NO_SEAL' | 'NO_AWARD' }
  | { status: 'void', reason: VoidReason }
  | { status: 'no-lease', awardId: Uint8Array }
  | { status: 'leased', lease: Lease }

export type Phase = 'unknown' | 'commit' | 'sealing' | 'reveal' | 'awarding' | 'awarded' | 'expired' | 'void'

export type AddResult = 'added' | 'duplicate'

/** Two conflicting messages this auction holds: what an Evidence message is made of. */
export interface Conflict {
  key: string
  type: EquivocationType
  first: AuctionMessage
  second: AuctionMessage
}

/** What the tenant left out, as this node saw it in good time (visible, not reversible). */
export interface Omissions {
  /** commits that reached this node before the seal and that the seal left out */
  commitsLeftOut: string[]
  /** reveals of sealed commits that reached this node (or came in a complaint) and the award left out */
  revealsLeftOut: string[]
  /** of those, bids that would have beaten the award's winner */
  cheaperLeftOut: string[]
  /** complaints received (signed by the provider left out) */
  complaints: string[]
}

/** Per-order bounds: a flood on one order cannot grow it without limit. */
function bidderCap (p: AuctionParams): number { return 2 * p.maxBidsPerOrder }

/**
 * One order's auction: the messages that passed their checks, and the outcome derived from
 * them. The outcome depends only on the order, the tenant's seal and award (which carry the
 * commits and reveals they rely on), the evidence of equivocation and the provider's accept
 * and close, so the same messages in any order, with any duplicates, give the same outcome.
 */
export class Auction {
  private readonly orders = new Map<string, Order>()
  /** commits that came on their own (gossip), by id: for the tenant's seal and for omissions */
  private readonly commits = new Map<string, Commit>()
  private readonly commitsByProvider = new Map<string, string[]>()
  /** commit ids that arrived before any seal did */
  private readonly commitsBeforeSeal = new Set<string>()
  private readonly seals = new Map<string, Seal>()
  /** the commits of the (first valid) seal, by commit id */
  private sealed = new Map<string, Commit>()
  /** one reveal per sealed commit (any valid opening is the same bid), by commit id */
  private readonly reveals = new Map<string, Reveal>()
  private readonly awards = new Map<string, Award>()
  private awardBids: Bid[] = []
  private awardWinner: Bid | undefined
  private readonly accepts = new Map<string, Accept>()
  private readonly closes = new Map<string, Close>()
  private readonly evidence = new Map<string, Evidence>()
  private readonly complaints = new Map<string, Complaint>()
  private readonly conflicts: Conflict[] = []
  private cached: Outcome | undefined

  constructor (readonly orderIdHex: string, private readonly params: AuctionParams) {}

  get order (): Order | undefined {
    return this.orders.size >= 1 ? this.orders.values().next().value : undefined
  }

  /** The order's deadlines (undefined before the order arrived). */
  windows (): Deadlines | undefined {
    const o = this.order
    return o === undefined ? undefined : deadlinesOf(o.body, this.params)
  }

  get seal (): Seal | undefined { return this.seals.size >= 1 ? this.seals.values().next().value : undefined }
  get award (): Award | undefined { return this.awards.size >= 1 ? this.awards.values().next().value : undefined }
  commitList (): Commit[] { return [...this.commits.values()] }
  sealedCommits (): Commit[] { return [...this.sealed.values()] }
  revealList (): Reveal[] { return [...this.reveals.values()] }
  evidenceList (): Evidence[] { return [...this.evidence.values()] }
  complaintList (): Complaint[] { return [...this.complaints.values()] }
  hasEvidence (key: string): boolean { return this.evidence.has(key) }

  /** Providers caught signing two different commits for this order (none once the tenant voided it). */
  equivocators (): string[] {
    if (this.tenantVoid() !== undefined) return []
    const out = new Set<string>()
    for (const [p, ids] of this.commitsByProvider) if (ids.length > 1) out.add(p)
    for (const k of this.evidence.keys()) if (k.startsWith('BidCommit:')) out.add(k.slice('BidCommit:'.length))
    return [...out]
  }

  /** Conflicts found since the last call (the node turns them into Evidence messages). */
  takeConflicts (): Conflict[] {
    return this.conflicts.splice(0)
  }

  /** Every stored message, for sync and persistence (the order first). */
  messages (): AuctionMessage[] {
    return [...this.orders.values(), ...this.commits.values(), ...this.seals.values(), ...this.reveals.values(), ...this.awards.values(),
      ...this.evidence.values(), ...this.complaints.values(), ...this.accepts.values(), ...this.closes.values()]
  }

  /**
   * Check a message against what this auction holds and store it. Throws MarketError: REJECT
   * for a provably bad message, IGNORE for a useless one, and an IGNORE with a MISSING_CONTEXT
   * code when it needs a message not seen yet (the caller keeps it and retries).
   */
  add (msg: AuctionMessage): AddResult {
    switch (msg.type) {
      case 'Order': return this.addOrder(msg)
      case 'BidCommit': return this.addCommit(msg)
      case 'Seal': return this.addSeal(msg)
      case 'BidReveal': return this.addReveal(msg)
      case 'Award': return this.addAward(msg)
      case 'LeaseAccept': return this.addAccept(msg)
      case 'LeaseClose': return this.addClose(msg)
      case 'Evidence': return this.addEvidence(msg)
      case 'Complaint': return this.addComplaint(msg)
    }
  }

  private changed (): AddResult {
    this.cached = undefined
    return 'added'
  }

  private conflict (type: EquivocationType, first: AuctionMessage, second: AuctionMessage): void {
    const key = evidenceKeyOf(type, second.signer)
    if (!this.evidence.has(key) && !this.conflicts.some((c) => c.key === key)) this.conflicts.push({ key, type, first, second })
  }

  private needOrder (): Order {
    const order = this.order
    if (order === undefined) throw ignore('UNKNOWN_ORDER', 'order not seen here', { need: [this.orderIdHex] })
    return order
  }

  private addOrder (msg: Order): AddResult {
    const id = toHex(msg.id)
    if (this.orders.has(id)) return 'duplicate'
    checkOrder(msg, this.params)
    const first = this.order
    if (first !== undefined) {
      // [REJECT] a second, different order under the same (tenant, dseq, gseq): voids the order
      if (this.orders.size < 2) { this.orders.set(id, msg); this.changed() }
      this.conflict('Order', first, msg)
      throw reject('ORDER_EQUIVOCATION', 'the tenant signed two different orders with this id')
    }
    this.orders.set(id, msg)
    return this.changed()
  }

  private addCommit (msg: Commit): AddResult {
    const id = toHex(msg.id)
    if (this.commits.has(id)) return 'duplicate'
    const order = this.needOrder()
    checkCommit(order, msg, this.params)
    const who = toHex(msg.signer)
    const mine = this.commitsByProvider.get(who) ?? []
    // [IGNORE] bounded per order: a flood of bidders on one order degrades only that order
    if (mine.length === 0 && this.commitsByProvider.size >= bidderCap(this.params)) {
      throw ignore('ORDER_BIDDERS_FULL', `order already has ${this.commitsByProvider.size} bidders`)
    }
    if (mine.length >= 2) throw ignore('EVIDENCE_FULL', 'this provider\'s equivocation is already proven')
    mine.push(id)
    this.commitsByProvider.set(who, mine)
    this.commits.set(id, msg)
    if (this.seals.size === 0) this.commitsBeforeSeal.add(id)
    this.changed()
    if (mine.length > 1) {
      // [REJECT] a second, different commit by the same provider: equivocation
      this.conflict('BidCommit', this.commits.get(mine[0] as string) as Commit, msg)
      throw reject('BID_EQUIVOCATION', 'provider signed two different commits for this order', { provider: who })
    }
    const sealed = [...this.sealed.values()].find((c) => equalBytes(c.signer, msg.signer))
    if (sealed !== undefined && !equalBytes(sealed.id, msg.id)) this.conflict('BidCommit', sealed, msg)
    return 'added'
  }

  private addSeal (msg: Seal): AddResult {
    const id = toHex(msg.id)
    if (this.seals.has(id)) return 'duplicate'
    const order = this.needOrder()
    const commits = checkSeal(order, msg, this.params)
    const first = this.seal
    if (first !== undefined) {
      // [REJECT] a second, different seal: the tenant equivocated and the order is void
      if (this.seals.size < 2) { this.seals.set(id, msg); this.changed() }
      this.conflict('Seal', first, msg)
      throw reject('SEAL_EQUIVOCATION', 'the tenant signed two different seals for this order')
    }
    this.seals.set(id, msg)
    this.sealed = new Map(commits.map((c) => [toHex(c.id), c]))
    // a sealed commit that differs from one the same provider sent on its own: equivocation
    for (const c of commits) {
      const other = this.commitsByProvider.get(toHex(c.signer))?.find((x) => x !== toHex(c.id))
      if (other !== undefined) this.conflict('BidCommit', this.commits.get(other) as Commit, c)
    }
    return this.changed()
  }

  private needSeal (): Seal {
    const seal = this.seal
    if (seal === undefined) throw ignore('NOT_SEALED_YET', 'no seal seen here yet', { need: [this.orderIdHex] })
    return seal
  }

  private addReveal (msg: Reveal): AddResult {
    const order = this.needOrder()
    this.needSeal()
    const commit = checkReveal(order, this.sealed, msg, this.params)
    // one reveal per commit: another valid opening (another createdAt) is the same bid
    const key = toHex(commit.id)
    if (this.reveals.has(key)) return 'duplicate'
    this.reveals.set(key, msg)
    return this.changed()
  }

  private addAward (msg: Award): AddResult {
    const id = toHex(msg.id)
    if (this.awards.has(id)) return 'duplicate'
    const order = this.needOrder()
    this.needSeal()
    const checked = checkAward(order, this.sealed, msg, this.params)
    const first = this.award
    if (first !== undefined) {
      // [REJECT] a second, different award: the tenant equivocated and the order is void
      if (this.awards.size < 2) { this.awards.set(id, msg); this.changed() }
      this.conflict('Award', first, msg)
      throw reject('AWARD_EQUIVOCATION', 'the tenant signed two different awards for this order')
    }
    this.awards.set(id, msg)
    this.awardBids = checked.bids
    this.awardWinner = checked.winner
    // the award's own reveals are the bids every node shows
    for (const r of awardReveals(msg)) if (!this.reveals.has(toHex(r.body.commitId))) this.reveals.set(toHex(r.body.commitId), r)
    return this.changed()
  }

  private addEvidence (msg: Evidence): AddResult {
    const check = checkEvidence(this.needOrder(), msg)
    if (this.evidence.has(check.key)) return 'duplicate'
    // [IGNORE] bounded: the tenant's three kinds and one per bidder the order can hold
    if (this.evidence.size >= bidderCap(this.params) + 3) throw ignore('EVIDENCE_FULL', 'this order holds as much evidence as it can use')
    this.evidence.set(check.key, msg)
    return this.changed()
  }

  private addComplaint (msg: Complaint): AddResult {
    const order = this.needOrder()
    this.needSeal()
    if (this.award === undefined) throw ignore('NOT_AWARDED_YET', 'the order has no award yet', { need: [this.orderIdHex] })
    const awarded = new Set(this.awardBids.map((b) => toHex(b.commitId)))
    const { reveal, commit } = checkComplaint(order, this.sealed, awarded, msg, this.params)
    const key = toHex(commit.id)
    if (this.complaints.has(key)) return 'duplicate'
    this.complaints.set(key, msg)
    if (!this.reveals.has(key)) this.reveals.set(key, reveal)
    return this.changed()
  }

  private needLease (): Lease {
    const o = this.outcome()
    // [IGNORE] not awarded yet (the award travels on another topic and may come later): parked
    if (o.status === 'pending') throw ignore('NOT_AWARDED_YET', 'the order has no award yet', { need: [this.orderIdHex] })
    // [IGNORE] the order ended without a lease: nothing to accept or close
    if (o.status !== 'leased') throw ignore('LEASE_NOT_AWARDED', 'no lease for this order')
    return o.lease
  }

  private addAccept (msg: Accept): AddResult {
    const lease = this.needLease()
    // [REJECT] only the winning provider accepts
    if (!equalBytes(msg.signer, lease.provider)) throw reject('LEASE_NOT_PARTY', 'lease accepted by someone other than its provider')
    // [REJECT] must name this award and the order's manifest
    if (!equalBytes(msg.body.awardId, lease.awardId) || !equalBytes(msg.body.manifestHash, (this.order as Order).body.manifestHash)) {
      throw reject('LEASE_ACCEPT_MISMATCH', 'lease accept names another award or manifest')
    }
    // one accept counts: the lowest id, whatever arrived first (a provider re-signing after a
    // restart must not make nodes show different accepts)
    const current = [...this.accepts.values()][0]
    if (current !== undefined && compareBytes(current.id, msg.id) <= 0) return 'duplicate'
    this.accepts.clear()
    this.accepts.set(toHex(msg.id), msg)
    return this.changed()
  }

  private addClose (msg: Close): AddResult {
    const lease = this.needLease()
    // [REJECT] only the tenant or the provider close, and only their own lease
    if (!equalBytes(msg.body.provider, lease.provider) || !(equalBytes(msg.signer, lease.tenant) || equalBytes(msg.signer, lease.provider))) {
      throw reject('LEASE_NOT_PARTY', 'lease closed by someone who is not a party to it')
    }
    // one close per party counts: its lowest id, whatever arrived first
    const mine = [...this.closes.entries()].find(([, c]) => equalBytes(c.signer, msg.signer))
    if (mine !== undefined) {
      if (compareBytes(mine[1].id, msg.id) <= 0) return 'duplicate'
      this.closes.delete(mine[0])
    }
    this.closes.set(toHex(msg.id), msg)
    return this.changed()
  }

  /** The outcome, derived from the stored messages alone (no clock). */
  outcome (): Outcome {
    if (this.cached !== undefined) return this.cached
    this.cached = this.computeOutcome()
    return this.cached
  }

  private tenantEquivocated (type: 'Order' | 'Seal' | 'Award', count: number): boolean {
    const order = this.order
    return count > 1 || (order !== undefined && this.evidence.has(evidenceKeyOf(type, order.signer)))
  }

  /** Did the tenant's own equivocation void the order (two orders, seals or awards, or evidence of one)? */
  private tenantVoid (): 'TENANT_EQUIVOCATION' | undefined {
    const yes = this.tenantEquivocated('Order', this.orders.size) || this.tenantEquivocated('Seal', this.seals.size) || this.tenantEquivocated('Award', this.awards.size)
    return yes ? 'TENANT_EQUIVOCATION' : undefined
  }

  private computeOutcome (): Outcome {
    const order = this.order
    if (order === undefined) return { status: 'pending', reason: 'NO_ORDER' }
    const voided = this.tenantVoid()
    if (voided !== undefined) return { status: 'void', reason: voided }
    if (this.seals.size === 0) return { status: 'pending', reason: 'NO_SEAL' }
    const award = this.award
    if (award === undefined) return { status: 'pending', reason: 'NO_AWARD' }
    const winner = this.awardWinner
    if (winner === undefined) return { status: 'no-lease', awardId: award.id }
    // a winner proven to have signed two commits for this order forfeits it: no lease
    if (this.equivocators().includes(toHex(winner.provider))) return { status: 'void', reason: 'WINNER_EQUIVOCATION' }
    const lease: Lease = {
      leaseId: leaseIdOf(orderIdOfMessage(order), winner.provider),
      orderId: orderIdOfMessage(order),
      tenant: order.signer,
      provider: winner.provider,
      price: winner.price,
      awardId: award.id,
      commitId: winner.commitId,
      revealId: winner.revealId,
      state: 'awarded'
    }
    // Accept and close only move the state forward; which copy arrived first does not matter.
    const accept = [...this.accepts.values()][0]
    if (accept !== undefined) { lease.state = 'active'; lease.acceptId = accept.id }
    const close = [...this.closes.values()].sort((a, b) => compareBytes(a.id, b.id))[0]
    if (close !== undefined) {
      lease.state = 'closed'
      lease.closedBy = equalBytes(close.signer, lease.tenant) ? 'tenant' : 'provider'
      lease.closeReason = close.body.reason
    }
    return { status: 'leased', lease }
  }

  /**
   * What the tenant left out, as far as this node saw in good time: commits that reached it
   * before the seal did, and reveals of sealed commits that reached it (or came in a complaint)
   * that the award does not list. Leaving out commits is the tenant's right (it cannot know
   * prices then); leaving out a cheaper reveal is not, and is shown as such.
   */
  omissions (): Omissions {
    const seal = this.seal
    const order = this.order
    // void by the tenant's own equivocation: which seal or award a node saw first must not show
    if (this.voidByTenant()) return { commitsLeftOut: [], revealsLeftOut: [], cheaperLeftOut: [], complaints: [] }
    const out: Omissions = { commitsLeftOut: [], revealsLeftOut: [], cheaperLeftOut: [], complaints: [...this.complaints.keys()] }
    if (seal === undefined || order === undefined) return out
    const cheaters = new Set(this.equivocators())
    for (const id of this.commitsBeforeSeal) {
      const c = this.commits.get(id)
      if (c !== undefined && !this.sealed.has(id) && !cheaters.has(toHex(c.signer))) out.commitsLeftOut.push(id)
    }
    if (this.award === undefined) return out
    const awarded = new Set(this.awardBids.map((b) => toHex(b.commitId)))
    const oid = orderIdOfMessage(order)
    for (const [commitId, r] of this.reveals) {
      if (awarded.has(commitId)) continue
      out.revealsLeftOut.push(commitId)
      const bid: Bid = { provider: r.signer, commitId: r.body.commitId, revealId: r.id, price: r.body.price }
      if (bidEligibility(order, bid.price) === undefined && (this.awardWinner === undefined || beats(oid, bid, this.awardWinner))) out.cheaperLeftOut.push(commitId)
    }
    return out
  }

  /** Void because the tenant signed two orders, seals or awards: nothing it sealed or awarded counts. */
  voidByTenant (): boolean {
    return this.order !== undefined && this.tenantVoid() !== undefined
  }

  /** The bids the award carried (empty before the award). */
  awardedBids (): Bid[] { return [...this.awardBids] }

  /** Sealed commits that no reveal opened (known once the award is here): the reveal reputation. */
  unrevealed (): Commit[] {
    if (this.award === undefined || this.voidByTenant()) return []
    return [...this.sealed].filter(([id]) => !this.reveals.has(id) && !this.awardBids.some((b) => toHex(b.commitId) === id)).map(([, c]) => c)
  }

  /** Where the auction stands at `now` (display and tenant/provider timers only). */
  phase (now: number): Phase {
    const o = this.outcome()
    if (o.status === 'void') return 'void'
    if (o.status === 'leased' || o.status === 'no-lease') return 'awarded'
    const d = this.windows()
    if (d === undefined) return 'unknown'
    if (this.seals.size === 0) {
      if (now <= d.commitUntil) return 'commit'
      return now <= d.revealUntil ? 'sealing' : 'expired'
    }
    if (now <= d.revealUntil) return 'reveal'
    return now <= d.awardUntil ? 'awarding' : 'expired'
  }

  /** After its final deadline (local clock) nothing but a LeaseClose changes the order. */
  isFinal (now: number): boolean {
    const d = this.windows()
    return d !== undefined && now > d.finalUntil + this.params.maxClockSkewMs
  }
}
