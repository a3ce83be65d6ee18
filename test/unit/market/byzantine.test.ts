import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/identity/hash.js'
import {
  Auction, MarketError, OrderBook, buildAwardBody, buildSealBody, checkTimely, deadlinesOf, makeSealedBid, orderIdOfMessage, sealRankOf,
  type AuctionMessage, type Outcome
} from '../../../src/market/index.js'
import { compareBytes, toHex } from '../../../src/util/bytes.js'
import { signMessage, type SignedMessage } from '../../../src/wire/index.js'
import { honestAuction, NET, orderBody, SEED, T0, testKey, testParams, type Scenario } from '../../helpers/market-scenario.js'

type Evidence = SignedMessage<'Evidence'>

function code (fn: () => unknown): string {
  try { fn() } catch (err) { expect(err).toBeInstanceOf(MarketError); return `${(err as MarketError).action}:${(err as MarketError).code}` }
  return 'ok'
}

function feed (book: OrderBook, msgs: AuctionMessage[]): void {
  for (const m of msgs) {
    try { book.add(m) } catch (err) { if (!(err instanceof MarketError)) throw err }
  }
}

function summary (o: Outcome | undefined): string {
  if (o === undefined) return 'none'
  if (o.status === 'leased') return `leased:${toHex(o.lease.provider)}:${o.lease.state}`
  return `${o.status}:${'reason' in o ? o.reason : ''}`
}

async function evidence (s: Scenario, first: AuctionMessage, second: AuctionMessage, reporter = 900): Promise<Evidence> {
  return signMessage(await testKey(reporter), 'Evidence', { net: NET, createdAt: T0 + 6000, orderId: orderIdOfMessage(s.order), first: first.bytes, second: second.bytes })
}

describe('equivocation evidence travels and every node applies it the same way', () => {
  it('split award: nodes that saw award A and nodes that saw award B both end void once evidence arrives', async () => {
    const s = await honestAuction([1000n, 1200n, 1500n])
    const awardB = signMessage(s.tenant, 'Award', { ...buildAwardBody(withAll(s), testParams, T0 + 5000), createdAt: T0 + 5001 })
    const left = new OrderBook(testParams)
    const right = new OrderBook(testParams)
    feed(left, s.all)
    feed(right, [...s.all.slice(0, -1), awardB])
    expect(left.outcome(key(s))?.status).toBe('leased')
    expect(right.outcome(key(s))?.status).toBe('leased')
    const ev = await evidence(s, s.award, awardB)
    left.add(ev)
    right.add(ev)
    expect(summary(left.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
    expect(summary(right.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
    // a node that holds both awards itself finds the conflict and reports it once
    const both = new OrderBook(testParams)
    feed(both, [...s.all, awardB])
    const conflicts = both.get(key(s))!.takeConflicts()
    expect(conflicts.map((c) => c.type)).toEqual(['Award'])
    expect(summary(both.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
  })

  it('split seal and two orders: evidence voids the order on every node', async () => {
    const s = await honestAuction([1000n, 1200n])
    const sealB = signMessage(s.tenant, 'Seal', { ...s.seal.body, createdAt: s.seal.body.createdAt + 1 })
    const b = new OrderBook(testParams)
    feed(b, s.all)
    b.add(await evidence(s, s.seal, sealB))
    expect(summary(b.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
    const orderB = signMessage(s.tenant, 'Order', { ...s.order.body, createdAt: T0 + 1 })
    const c = new OrderBook(testParams)
    feed(c, s.all)
    c.add(await evidence(s, s.order, orderB))
    expect(summary(c.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
  })

  it('a winning provider proven to have signed two commits forfeits the lease; a loser only loses reputation', async () => {
    const s = await honestAuction([1000n, 1200n, 1500n])
    const winner = s.providers[0]!
    const second = makeSealedBid(winner, s.order, { denom: 'uact', amount: 5n }, T0 + 50).commit
    const book = new OrderBook(testParams)
    feed(book, s.all)
    book.add(await evidence(s, s.commits[0]!, second))
    expect(summary(book.outcome(key(s)))).toBe('void:WINNER_EQUIVOCATION')
    const loser = s.providers[2]!
    const loserSecond = makeSealedBid(loser, s.order, { denom: 'uact', amount: 5n }, T0 + 50).commit
    const other = new OrderBook(testParams)
    feed(other, s.all)
    other.add(await evidence(s, s.commits[2]!, loserSecond))
    expect(summary(other.outcome(key(s)))).toBe(`leased:${toHex(winner.publicKey)}:awarded`)
    expect(other.get(key(s))!.equivocators()).toEqual([toHex(loser.publicKey)])
  })

  it('a commit sent on its own that differs from the one a seal carries is found as a conflict', async () => {
    const s = await honestAuction([1000n, 1200n])
    const a = new Auction(key(s), testParams)
    a.add(s.order)
    a.add(s.seal)
    const other = makeSealedBid(s.providers[1]!, s.order, { denom: 'uact', amount: 5n }, T0 + 60).commit
    a.add(other)
    expect(a.takeConflicts().map((c) => c.type)).toEqual(['BidCommit'])
  })

  it('bad evidence is rejected with a code that names the rule; one piece per offender is kept', async () => {
    const s = await honestAuction([1000n, 1200n])
    const a = withAll(s)
    a.add(s.award)
    const reporter = await testKey(901)
    const ev = (first: Uint8Array, second: Uint8Array): Evidence => signMessage(reporter, 'Evidence', { net: NET, createdAt: T0 + 6000, orderId: orderIdOfMessage(s.order), first, second })
    expect(code(() => a.add(ev(s.award.bytes, s.award.bytes)))).toBe('REJECT:EVIDENCE_SAME')
    expect(code(() => a.add(ev(s.award.bytes, s.seal.bytes)))).toBe('REJECT:EVIDENCE_MISMATCH')
    expect(code(() => a.add(ev(s.commits[0]!.bytes, s.commits[1]!.bytes)))).toBe('REJECT:EVIDENCE_MISMATCH')
    expect(code(() => a.add(ev(new Uint8Array([1]), s.award.bytes)))).toBe('REJECT:EVIDENCE_MALFORMED')
    const otherOrder = await honestAuction([900n], { dseq: 42 })
    const foreignB = signMessage(s.tenant, 'Award', { ...otherOrder.award.body, createdAt: otherOrder.award.body.createdAt + 1 })
    expect(code(() => a.add(ev(otherOrder.award.bytes, foreignB.bytes)))).toBe('REJECT:EVIDENCE_WRONG_ORDER')
    // an award by someone who is not the tenant proves nothing about the tenant
    const fake1 = signMessage(reporter, 'Award', s.award.body)
    const fake2 = signMessage(reporter, 'Award', { ...s.award.body, createdAt: s.award.body.createdAt + 1 })
    expect(code(() => a.add(ev(fake1.bytes, fake2.bytes)))).toBe('REJECT:EVIDENCE_NOT_TENANT')
    expect(a.outcome().status).toBe('leased')
    const awardB = signMessage(s.tenant, 'Award', { ...s.award.body, createdAt: s.award.body.createdAt + 1 })
    expect(a.add(ev(s.award.bytes, awardB.bytes))).toBe('added')
    // another reporter's copy of the same proof adds nothing (and is not relayed)
    expect(a.add(await evidence(s, awardB, s.award, 902))).toBe('duplicate')
  })

  it('property: any delivery order of the honest messages, a second award and the evidence gives one outcome', async () => {
    const s = await honestAuction([1000n, 1200n, 1500n])
    const awardB = signMessage(s.tenant, 'Award', { ...s.award.body, createdAt: s.award.body.createdAt + 7 })
    const ev = await evidence(s, s.award, awardB)
    const msgs: AuctionMessage[] = [...s.all, awardB, ev]
    await fc.assert(fc.property(fc.shuffledSubarray(msgs, { minLength: msgs.length, maxLength: msgs.length }), fc.array(fc.nat(msgs.length - 1), { maxLength: 5 }), (order, dups) => {
      const book = new OrderBook(testParams)
      feed(book, [...order, ...dups.map((i) => msgs[i]!)])
      expect(summary(book.outcome(key(s)))).toBe('void:TENANT_EQUIVOCATION')
    }), { numRuns: 200 })
  })
})

describe('omissions are visible and complaints are checked', () => {
  it('records commits seen before the seal that it left out, and reveals the award left out, cheaper ones flagged', async () => {
    const s = await honestAuction([1000n, 1200n, 1500n])
    const a = new Auction(key(s), testParams)
    a.add(s.order)
    for (const c of s.commits) a.add(c)
    // the tenant seals without the 1200 bidder (its right: it cannot know prices)
    const sealWithout = signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: s.commits.filter((_, i) => i !== 1).sort((x, y) => compareBytes(x.id, y.id)).map((c) => c.bytes) })
    a.add(sealWithout)
    expect(a.omissions().commitsLeftOut).toEqual([toHex(s.commits[1]!.id)])
    a.add(s.reveals[0]!)
    a.add(s.reveals[2]!)
    // the award leaves out the cheapest reveal: accepted, but shown as a cheaper bid left out
    const award = signMessage(s.tenant, 'Award', { net: NET, createdAt: T0 + 5000, orderId: orderIdOfMessage(s.order), reveals: [s.reveals[2]!.bytes], winner: s.commits[2]!.id })
    a.add(award)
    expect(a.outcome().status).toBe('leased')
    const om = a.omissions()
    expect(om.revealsLeftOut).toEqual([toHex(s.commits[0]!.id)])
    expect(om.cheaperLeftOut).toEqual([toHex(s.commits[0]!.id)])
    // a commit that arrives after the seal is no omission
    const late = makeSealedBid(await testKey(777), s.order, { denom: 'uact', amount: 1n }, T0 + 2000).commit
    a.add(late)
    expect(a.omissions().commitsLeftOut).toEqual([toHex(s.commits[1]!.id)])
  })

  it('a provider whose cheaper reveal was left out complains; every node checks the complaint from the messages alone', async () => {
    const s = await honestAuction([1000n, 1200n])
    const award = signMessage(s.tenant, 'Award', { net: NET, createdAt: T0 + 5000, orderId: orderIdOfMessage(s.order), reveals: [s.reveals[1]!.bytes], winner: s.commits[1]!.id })
    const complaint = signMessage(s.providers[0]!, 'Complaint', { net: NET, createdAt: T0 + 5100, orderId: orderIdOfMessage(s.order), reveal: s.reveals[0]!.bytes })
    // a node that never saw the reveal on its own learns it from the complaint
    const a = new Auction(key(s), testParams)
    a.add(s.order)
    a.add(s.seal)
    expect(code(() => a.add(complaint))).toBe('IGNORE:NOT_AWARDED_YET')
    a.add(award)
    expect(a.add(complaint)).toBe('added')
    expect(a.add(complaint)).toBe('duplicate')
    expect(a.omissions().cheaperLeftOut).toEqual([toHex(s.commits[0]!.id)])
    expect(a.omissions().complaints).toEqual([toHex(s.commits[0]!.id)])
    // unfounded: the award lists the bid; signed by someone else; a reveal that does not open the commit
    const fine = new Auction(key(s), testParams)
    fine.add(s.order); fine.add(s.seal); fine.add(s.award)
    expect(code(() => fine.add(complaint))).toBe('REJECT:COMPLAINT_UNFOUNDED')
    const byOther = signMessage(s.providers[1]!, 'Complaint', { ...complaint.body })
    expect(code(() => a.add(byOther))).toBe('REJECT:COMPLAINT_NOT_PROVIDER')
    const forged = signMessage(s.providers[0]!, 'BidReveal', { ...s.bids[0]!.reveal, price: { denom: 'uact', amount: 1n }, createdAt: T0 + 3500 })
    const b = new Auction(key(s), testParams)
    b.add(s.order); b.add(s.seal); b.add(award)
    expect(code(() => b.add(signMessage(s.providers[0]!, 'Complaint', { ...complaint.body, reveal: forged.bytes })))).toBe('REJECT:REVEAL_MISMATCH')
  })

  it('unrevealed sealed commits are what reputation counts', async () => {
    const s = await honestAuction([1000n, 1200n, 1500n])
    const a = withAll(s, [0])
    a.add(signMessage(s.tenant, 'Award', buildAwardBody(a, testParams, T0 + 5000)))
    expect(a.unrevealed().map((c) => toHex(c.signer)).sort()).toEqual([s.providers[1]!, s.providers[2]!].map((p) => toHex(p.publicKey)).sort())
  })
})

describe('seal cap: which commits survive cannot be steered by commit ids or keys', () => {
  it('over the cap, the seal keeps the lowest sha256(seed, provider), a seed hidden until the seal', async () => {
    const s = await honestAuction([1000n, 1100n, 1200n, 1300n, 1400n, 1500n])
    const params = { ...testParams, maxBidsPerOrder: 3 }
    const a = new Auction(key(s), params)
    a.add(s.order)
    for (const c of s.commits) a.add(c)
    const body = buildSealBody(a, params, T0 + 3000, SEED)
    const keptProviders = body.commits.map((b) => toHex(s.commits.find((c) => toHex(c.bytes) === toHex(b))!.signer)).sort()
    const expected = [...s.providers].sort((x, y) => compareBytes(sealRankOf(SEED, x.publicKey), sealRankOf(SEED, y.publicKey))).slice(0, 3).map((p) => toHex(p.publicKey)).sort()
    expect(keptProviders).toEqual(expected)
    // the order commits to the seed: a seal with another seed is refused
    expect(toHex(s.order.body.sealSeedHash)).toBe(toHex(sha256(SEED)))
    // another seed ranks them anew: no provider can know its rank while committing
    const other = new Uint8Array(32).fill(0x11)
    const rankedOther = [...s.providers].sort((x, y) => compareBytes(sealRankOf(other, x.publicKey), sealRankOf(other, y.publicKey))).map((p) => toHex(p.publicKey))
    const rankedSeed = [...s.providers].sort((x, y) => compareBytes(sealRankOf(SEED, x.publicKey), sealRankOf(SEED, y.publicKey))).map((p) => toHex(p.publicKey))
    expect(rankedOther).not.toEqual(rankedSeed)
  })
})

describe('deadlines against the local clock', () => {
  it('a back-dated award published days later is neither relayed nor acted on; sync is allowed until the order is final', async () => {
    const s = await honestAuction([1000n])
    const d = deadlinesOf(s.order.body, testParams)
    const days = d.finalUntil + 3 * 86_400_000
    expect(code(() => checkTimely(s.award, s.order, days, testParams, 'gossip'))).toBe('IGNORE:ARRIVED_LATE')
    expect(code(() => checkTimely(s.award, s.order, days, testParams, 'sync'))).toBe('IGNORE:ARRIVED_LATE')
    // a partitioned node may still fetch the award by sync after the gossip window, until final
    expect(code(() => checkTimely(s.award, s.order, d.awardUntil + testParams.maxClockSkewMs + 1, testParams, 'gossip'))).toBe('IGNORE:ARRIVED_LATE')
    expect(code(() => checkTimely(s.award, s.order, d.awardUntil + testParams.maxClockSkewMs + 1, testParams, 'sync'))).toBe('ok')
    for (const m of [s.seal, s.award]) expect(code(() => checkTimely(m, s.order, d.finalUntil + testParams.maxClockSkewMs + 1, testParams, 'sync'))).toBe('IGNORE:ARRIVED_LATE')
    expect(code(() => checkTimely(s.commits[0]!, s.order, d.commitUntil + testParams.maxClockSkewMs + 1, testParams, 'gossip'))).toBe('IGNORE:ARRIVED_LATE')
    expect(code(() => checkTimely(s.reveals[0]!, s.order, d.revealUntil + testParams.maxClockSkewMs + 1, testParams, 'sync'))).toBe('IGNORE:ARRIVED_LATE')
    // a lease close is never late: leases run for months
    const close = signMessage(s.tenant, 'LeaseClose', { net: NET, createdAt: days, orderId: orderIdOfMessage(s.order), provider: s.providers[0]!.publicKey, reason: 'done' })
    expect(code(() => checkTimely(close, s.order, days, testParams, 'gossip'))).toBe('ok')
  })

  it('the award window is bounded by the network, whatever the order\'s windows', () => {
    const long = deadlinesOf({ commitUntil: T0 + 1000, revealUntil: T0 + 1000 + 3_600_000 }, testParams)
    expect(long.awardUntil - long.revealUntil).toBe(testParams.maxAwardWindowMs)
    const short = deadlinesOf({ commitUntil: T0 + 1000, revealUntil: T0 + 2000 }, testParams)
    expect(short.awardUntil - short.revealUntil).toBe(testParams.awardWindowMs)
    expect(short.finalUntil - short.awardUntil).toBe(testParams.finalityMs)
  })
})

describe('bounded resources: a flood from one key degrades only that key', () => {
  it('messages for unknown orders are parked per signer and in total, with distinct codes', async () => {
    const flooder = await testKey(4242)
    const honest = await testKey(4343)
    const book = new OrderBook(testParams, { maxPendingPerSigner: 5, maxPending: 8 })
    const commitFor = async (k: typeof flooder, i: number): Promise<SignedMessage<'BidCommit'>> => signMessage(k, 'BidCommit', { net: NET, createdAt: T0, orderId: sha256(new Uint8Array([i, k.publicKey[0]!])), commitment: new Uint8Array(32) })
    for (let i = 0; i < 5; i++) expect(book.add(await commitFor(flooder, i))).toBe('pending')
    expect(code(() => book.add(signMessage(flooder, 'BidCommit', { net: NET, createdAt: T0, orderId: new Uint8Array(32).fill(9), commitment: new Uint8Array(32) })))).toBe('IGNORE:SIGNER_PARKED_FULL')
    // another key still gets in, until the total bound
    for (let i = 0; i < 3; i++) expect(book.add(await commitFor(honest, 100 + i))).toBe('pending')
    expect(code(() => book.add(signMessage(honest, 'BidCommit', { net: NET, createdAt: T0, orderId: new Uint8Array(32).fill(7), commitment: new Uint8Array(32) })))).toBe('IGNORE:PARKED_FULL')
    // pruning after the retention period frees them
    book.prune(T0 + 10_000, 5_000)
    expect(book.pendingSize()).toBe(0)
  })

  it('one tenant cannot fill the book; the book drops final orders before refusing new ones', async () => {
    const tenant = await testKey(5151)
    const book = new OrderBook(testParams, { maxOpenOrdersPerTenant: 3, maxAuctions: 5 })
    const order = (dseq: number, at = T0): SignedMessage<'Order'> => signMessage(tenant, 'Order', orderBody({ dseq, createdAt: at, commitUntil: at + 3000, revealUntil: at + 5000 }))
    for (let i = 1; i <= 3; i++) expect(book.add(order(i), T0)).toBe('added')
    expect(code(() => book.add(order(4), T0))).toBe('IGNORE:TENANT_ORDERS_FULL')
    const others = await Promise.all([5252, 5353, 5454].map(async (n) => await testKey(n)))
    expect(book.add(signMessage(others[0]!, 'Order', orderBody({ dseq: 1 })), T0)).toBe('added')
    expect(book.add(signMessage(others[1]!, 'Order', orderBody({ dseq: 1 })), T0)).toBe('added')
    expect(code(() => book.add(signMessage(others[2]!, 'Order', orderBody({ dseq: 1 })), T0))).toBe('IGNORE:BOOK_FULL')
    // once those orders are final, the same book takes new ones (the oldest final order goes)
    const later = deadlinesOf(order(1).body, testParams).finalUntil + testParams.maxClockSkewMs + 1
    expect(book.add(signMessage(others[2]!, 'Order', orderBody({ dseq: 2, createdAt: later, commitUntil: later + 3000, revealUntil: later + 5000 })), later)).toBe('added')
    expect(book.add(order(9, later), later)).toBe('added')
  })

  it('prune drops final orders without a running lease, and keeps an active lease', async () => {
    const s = await honestAuction([1000n])
    const book = new OrderBook(testParams)
    feed(book, s.all)
    const d = deadlinesOf(s.order.body, testParams)
    expect(book.prune(d.finalUntil + 10, 1000)).toEqual([])
    book.add(signMessage(s.providers[0]!, 'LeaseAccept', { net: NET, createdAt: T0 + 6000, orderId: orderIdOfMessage(s.order), awardId: s.award.id, manifestHash: s.order.body.manifestHash }))
    expect(book.prune(d.finalUntil + 5000, 1000)).toEqual([])
    book.add(signMessage(s.tenant, 'LeaseClose', { net: NET, createdAt: T0 + 7000, orderId: orderIdOfMessage(s.order), provider: s.providers[0]!.publicKey, reason: 'done' }))
    expect(book.prune(d.finalUntil + 5000, 1000)).toEqual([key(s)])
    expect(book.size()).toBe(0)
  })
})

function key (s: Scenario): string {
  return toHex(orderIdOfMessage(s.order))
}

/** An auction with the order, every commit, the seal and the reveals of the given providers (all by default). */
function withAll (s: Scenario, revealed?: number[]): Auction {
  const a = new Auction(key(s), testParams)
  a.add(s.order)
  for (const c of s.commits) a.add(c)
  a.add(s.seal)
  s.reveals.forEach((r, i) => { if (revealed === undefined || revealed.includes(i)) a.add(r) })
  return a
}


