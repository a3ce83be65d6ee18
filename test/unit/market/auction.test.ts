import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { Auction, MarketError, awardUntil, buildAwardBody, buildSealBody, OrderBook, commitmentOf, makeSealedBid, orderIdOfMessage, signReveal, tieBreakOf, type AuctionMessage, type Outcome } from '../../../src/market/index.js'
import { compareBytes, toHex } from '../../../src/util/bytes.js'
import { signMessage, type SignedMessage } from '../../../src/wire/index.js'
import { honestAuction, orderBody, SEED, T0, testKey, testParams, type Scenario } from '../../helpers/market-scenario.js'

type Commit = SignedMessage<'BidCommit'>
type Reveal = SignedMessage<'BidReveal'>
/** Seal commits as the wire carries them: envelopes sorted by message id. */
const sealed = (cs: Commit[]): Uint8Array[] => [...cs].sort((a, b) => compareBytes(a.id, b.id)).map((c) => c.bytes)
/** Award reveals as the wire carries them: envelopes sorted by the commit each opens. */
const awarded = (rs: Reveal[]): Uint8Array[] => [...rs].sort((a, b) => compareBytes(a.body.commitId, b.body.commitId)).map((r) => r.bytes)

function summary (o: Outcome | undefined): string {
  if (o === undefined) return 'none'
  if (o.status === 'leased') return `leased:${toHex(o.lease.provider)}:${o.lease.price.amount}:${o.lease.state}`
  return `${o.status}:${'reason' in o ? o.reason : ''}`
}

function feed (book: OrderBook, msgs: AuctionMessage[]): void {
  for (const m of msgs) {
    try { book.add(m) } catch (err) { if (!(err instanceof MarketError)) throw err }
  }
}

function rule (fn: () => unknown, code: string, action?: 'IGNORE' | 'REJECT'): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(MarketError)
    expect((err as MarketError).code).toBe(code)
    if (action !== undefined) expect((err as MarketError).action).toBe(action)
    return
  }
  throw new Error(`expected MarketError ${code}`)
}

describe('auction outcome', () => {
  it('the lowest price at or under the maximum wins', async () => {
    const s = await honestAuction([1500n, 900n, 2500n, 1200n])
    const book = new OrderBook(testParams)
    feed(book, s.all)
    const o = book.outcome(toHex(orderIdOfMessage(s.order)))
    expect(o?.status).toBe('leased')
    if (o?.status !== 'leased') return
    expect(o.lease.price.amount).toBe(900n)
    expect(toHex(o.lease.provider)).toBe(toHex(s.providers[1]!.publicKey))
    expect(o.lease.state).toBe('awarded')
  })

  it('ties go to the lowest sha256(orderId, provider)', async () => {
    const s = await honestAuction([800n, 800n, 800n])
    const book = new OrderBook(testParams)
    feed(book, s.all)
    const o = book.outcome(toHex(orderIdOfMessage(s.order)))
    if (o?.status !== 'leased') throw new Error('no lease')
    const oid = orderIdOfMessage(s.order)
    const expected = [...s.providers].sort((a, b) => compareBytes(tieBreakOf(oid, a.publicKey), tieBreakOf(oid, b.publicKey)))[0]!
    expect(toHex(o.lease.provider)).toBe(toHex(expected.publicKey))
  })

  it('no bid at or under the maximum: an award with no winner and no lease', async () => {
    const s = await honestAuction([2500n, 3000n], { maxPrice: 2000n })
    expect(s.award.body.winner.length).toBe(0)
    const book = new OrderBook(testParams)
    feed(book, s.all)
    expect(book.outcome(toHex(orderIdOfMessage(s.order)))?.status).toBe('no-lease')
  })

  it('property: any order of delivery, any duplication, the same outcome, always the lowest valid price', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.bigInt({ min: 1n, max: 3000n }), { minLength: 0, maxLength: 8 }),
      fc.integer({ min: 0, max: 1_000_000 }),
      async (prices, seed) => {
        const s = await honestAuction(prices, { maxPrice: 2000n, dseq: seed })
        const key = toHex(orderIdOfMessage(s.order))
        const valid = prices.filter((p) => p <= 2000n)
        const results = new Set<string>()
        const rng = fc.noShrink(fc.array(fc.nat(), { minLength: s.all.length * 2, maxLength: s.all.length * 2 }))
        for (const perm of fc.sample(rng, { numRuns: 4, seed })) {
          // a random order with random duplicates
          const msgs = s.all.flatMap((m, i) => ((perm[i] ?? 0) % 3 === 0 ? [m, m] : [m]))
          const order = msgs.map((m, i) => ({ m, k: perm[i % perm.length] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.m)
          const book = new OrderBook(testParams)
          feed(book, order)
          const o = book.outcome(key)
          results.add(summary(o))
          if (valid.length === 0) {
            expect(o?.status).toBe('no-lease')
          } else {
            expect(o?.status).toBe('leased')
            if (o?.status === 'leased') expect(o.lease.price.amount).toBe(valid.reduce((a, b) => (a < b ? a : b)))
          }
          expect(book.pendingSize()).toBe(0)
        }
        expect(results.size).toBe(1)
      }
    ), { numRuns: 25 })
  }, 60_000)

  it('messages after the award never change it', async () => {
    const s = await honestAuction([1000n, 1100n])
    const book = new OrderBook(testParams)
    feed(book, s.all)
    const key = toHex(orderIdOfMessage(s.order))
    const before = summary(book.outcome(key))
    // a late, cheaper commit and its reveal from a new provider; a second commit by the loser
    const late = await testKey(999)
    const lateBid = makeSealedBid(late, s.order, { denom: 'uact', amount: 1n }, T0 + 2900)
    const loser = s.providers[1]!
    const second = makeSealedBid(loser, s.order, { denom: 'uact', amount: 2n }, T0 + 2900)
    feed(book, [lateBid.commit, signReveal(late, lateBid, T0 + 4000), second.commit, signReveal(loser, second, T0 + 4000)])
    expect(summary(book.outcome(key))).toBe(before)
  })

  it('lease accept by the winner activates it; close by a party closes it', async () => {
    const s = await honestAuction([1000n, 1100n])
    const book = new OrderBook(testParams)
    feed(book, s.all)
    const key = toHex(orderIdOfMessage(s.order))
    const winner = s.providers[0]!
    const oid = orderIdOfMessage(s.order)
    book.add(signMessage(winner, 'LeaseAccept', { net: s.order.body.net, createdAt: T0 + 6000, orderId: oid, awardId: s.award.id, manifestHash: s.order.body.manifestHash }))
    expect(summary(book.outcome(key))).toContain(':active')
    book.add(signMessage(s.tenant, 'LeaseClose', { net: s.order.body.net, createdAt: T0 + 7000, orderId: oid, provider: winner.publicKey, reason: 'done' }))
    const o = book.outcome(key)
    expect(o?.status === 'leased' && o.lease.state === 'closed' && o.lease.closedBy === 'tenant').toBe(true)
  })
})

describe('auction rules (one adversarial test each)', () => {
  let s: Scenario
  beforeAll(async () => { s = await honestAuction([1000n, 1200n, 1500n]) })
  const oid = (): Uint8Array => orderIdOfMessage(s.order)
  const fresh = (upTo: 'order' | 'commits' | 'seal' | 'reveals'): Auction => {
    const a = new Auction(toHex(oid()), testParams)
    a.add(s.order)
    if (upTo === 'order') return a
    for (const c of s.commits) a.add(c)
    if (upTo === 'commits') return a
    a.add(s.seal)
    if (upTo === 'seal') return a
    for (const r of s.reveals) a.add(r)
    return a
  }

  it('ORDER_BAD_WINDOWS, ORDER_MAX_PRICE_MISMATCH, ORDER_WINDOW_TOO_LONG', () => {
    const a = new Auction('x', testParams)
    rule(() => a.add(signMessage(s.tenant, 'Order', orderBody({ commitUntil: T0 + 6000 }))), 'ORDER_BAD_WINDOWS', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Order', orderBody({ maxPrice: { denom: 'uact', amount: 1n } }))), 'ORDER_MAX_PRICE_MISMATCH', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Order', orderBody({ revealUntil: T0 + 7_200_000 }))), 'ORDER_WINDOW_TOO_LONG', 'REJECT')
  })

  it('ORDER_EQUIVOCATION voids the order', () => {
    const a = fresh('order')
    rule(() => a.add(signMessage(s.tenant, 'Order', { ...s.order.body, createdAt: T0 + 1 })), 'ORDER_EQUIVOCATION', 'REJECT')
    expect(a.outcome()).toEqual({ status: 'void', reason: 'TENANT_EQUIVOCATION' })
  })

  it('UNKNOWN_ORDER is IGNORE and parks the message', () => {
    const a = new Auction(toHex(oid()), testParams)
    rule(() => a.add(s.commits[0]!), 'UNKNOWN_ORDER', 'IGNORE')
    const book = new OrderBook(testParams)
    expect(book.add(s.commits[0]!)).toBe('pending')
    expect(book.add(s.order)).toBe('added')
    expect(book.pendingSize()).toBe(0)
  })

  it('COMMIT_LATE: signed after the commit deadline beyond the skew', async () => {
    const a = fresh('order')
    const p = await testKey(500)
    const late = makeSealedBid(p, s.order, { denom: 'uact', amount: 1n }, s.order.body.commitUntil + testParams.maxClockSkewMs + 1)
    rule(() => a.add(late.commit), 'COMMIT_LATE', 'REJECT')
    // within the skew is fine
    expect(a.add(makeSealedBid(p, s.order, { denom: 'uact', amount: 1n }, s.order.body.commitUntil + testParams.maxClockSkewMs).commit)).toBe('added')
  })

  it('COMMIT_BY_TENANT', () => {
    rule(() => fresh('order').add(makeSealedBid(s.tenant, s.order, { denom: 'uact', amount: 1n }, T0 + 10).commit), 'COMMIT_BY_TENANT', 'REJECT')
  })

  it('BID_EQUIVOCATION: a second commit by the same provider; the tenant seals neither', async () => {
    const a = fresh('commits')
    const again = makeSealedBid(s.providers[0]!, s.order, { denom: 'uact', amount: 10n }, T0 + 200)
    rule(() => a.add(again.commit), 'BID_EQUIVOCATION', 'REJECT')
    expect(a.equivocators()).toEqual([toHex(s.providers[0]!.publicKey)])
    const seal = buildSealBody(a, testParams, T0 + 3000, SEED)
    expect(seal.commits.map(toHex)).not.toContain(toHex(s.commits[0]!.bytes))
    expect(seal.commits.map(toHex)).not.toContain(toHex(again.commit.bytes))
    expect(seal.commits.length).toBe(2)
    // the conflict is reported once, as evidence material
    const conflicts = a.takeConflicts()
    expect(conflicts.map((c) => c.type)).toEqual(['BidCommit'])
    expect(a.takeConflicts()).toEqual([])
  })

  it('duplicates are idempotent', () => {
    const a = fresh('reveals')
    expect(a.add(s.commits[0]!)).toBe('duplicate')
    expect(a.add(s.seal)).toBe('duplicate')
    expect(a.add(s.reveals[1]!)).toBe('duplicate')
  })

  it('SEAL_NOT_TENANT, SEAL_TOO_EARLY, SEAL_LATE, SEAL_NOT_SORTED, SEAL_TOO_MANY', () => {
    const a = fresh('commits')
    const sorted = s.seal.body.commits
    rule(() => a.add(signMessage(s.providers[0]!, 'Seal', s.seal.body)), 'SEAL_NOT_TENANT', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, createdAt: s.order.body.commitUntil - testParams.maxClockSkewMs - 1 })), 'SEAL_TOO_EARLY', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, createdAt: s.order.body.revealUntil + 1 })), 'SEAL_LATE', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: [...sorted].reverse() })), 'SEAL_NOT_SORTED', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: [sorted[0]!, sorted[0]!] })), 'SEAL_NOT_SORTED', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, seed: new Uint8Array(32) })), 'SEAL_BAD_SEED', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: [new Uint8Array([1, 2, 3])] })), 'SEAL_BAD_COMMIT', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: [s.reveals[0]!.bytes] })), 'SEAL_BAD_COMMIT', 'REJECT')
    const small = new Auction(a.orderIdHex, { ...testParams, maxBidsPerOrder: 2 })
    small.add(s.order)
    for (const c of s.commits) small.add(c)
    rule(() => small.add(s.seal), 'SEAL_TOO_MANY', 'REJECT')
  })

  it('SEAL_DUPLICATE_PROVIDER, SEAL_COMMIT_LATE, SEAL_WRONG_ORDER: a seal carries its commits and is checked from them alone', async () => {
    const a = fresh('order')
    const p = s.providers[0]!
    const b1 = makeSealedBid(p, s.order, { denom: 'uact', amount: 5n }, T0 + 1)
    const b2 = makeSealedBid(p, s.order, { denom: 'uact', amount: 6n }, T0 + 2)
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: sealed([b1.commit, b2.commit]) })), 'SEAL_DUPLICATE_PROVIDER', 'REJECT')
    // a commit signed after the deadline: no node ever saw it on its own, the seal carries it
    const late = makeSealedBid(await testKey(501), s.order, { denom: 'uact', amount: 5n }, s.order.body.commitUntil + 50_000)
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: sealed([late.commit]) })), 'SEAL_COMMIT_LATE', 'REJECT')
    const other = await honestAuction([700n], { dseq: 78 })
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: sealed([other.commits[0]!]) })), 'SEAL_WRONG_ORDER', 'REJECT')
    // a node that saw none of the commits accepts an honest seal at once: nothing to fetch
    expect(fresh('order').add(s.seal)).toBe('added')
  })

  it('SEAL_EQUIVOCATION voids the order', () => {
    const a = fresh('seal')
    rule(() => a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: s.seal.body.commits.slice(1) })), 'SEAL_EQUIVOCATION', 'REJECT')
    expect(a.outcome()).toEqual({ status: 'void', reason: 'TENANT_EQUIVOCATION' })
  })

  it('NOT_SEALED_YET, REVEAL_NOT_SEALED, REVEAL_NOT_PROVIDER, REVEAL_MISMATCH, REVEAL_LATE, one reveal per commit', async () => {
    rule(() => fresh('commits').add(s.reveals[0]!), 'NOT_SEALED_YET', 'IGNORE')
    const a = fresh('order')
    for (const c of s.commits.slice(1)) a.add(c)
    a.add(signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: sealed(s.commits.slice(1)) }))
    rule(() => a.add(s.reveals[0]!), 'REVEAL_NOT_SEALED', 'REJECT')
    const b = fresh('seal')
    const bid = s.bids[1]!
    rule(() => b.add(signMessage(s.providers[2]!, 'BidReveal', { ...bid.reveal, createdAt: T0 + 3600 })), 'REVEAL_NOT_PROVIDER', 'REJECT')
    rule(() => b.add(signMessage(s.providers[1]!, 'BidReveal', { ...bid.reveal, price: { denom: 'uact', amount: 1n }, createdAt: T0 + 3600 })), 'REVEAL_MISMATCH', 'REJECT')
    rule(() => b.add(signMessage(s.providers[1]!, 'BidReveal', { ...bid.reveal, salt: new Uint8Array(32), createdAt: T0 + 3600 })), 'REVEAL_MISMATCH', 'REJECT')
    rule(() => b.add(signMessage(s.providers[1]!, 'BidReveal', { ...bid.reveal, createdAt: s.order.body.revealUntil + testParams.maxClockSkewMs + 1 })), 'REVEAL_LATE', 'REJECT')
    b.add(s.reveals[1]!)
    // one reveal per commit: another valid opening (another createdAt) is the same bid
    expect(b.add(signMessage(s.providers[1]!, 'BidReveal', { ...bid.reveal, createdAt: T0 + 3601 }))).toBe('duplicate')
    expect(toHex(commitmentOf(orderIdOfMessage(s.order), s.providers[1]!.publicKey, bid.price, bid.salt))).toBe(toHex(s.commits[1]!.body.commitment))
  })

  it('PRICE_ABOVE_MAX and PRICE_DENOM_MISMATCH: valid openings that cannot win', async () => {
    const { bidEligibility } = await import('../../../src/market/index.js')
    expect(bidEligibility(s.order, { denom: 'uact', amount: 2001n })?.code).toBe('PRICE_ABOVE_MAX')
    expect(bidEligibility(s.order, { denom: 'uakt', amount: 1n })?.code).toBe('PRICE_DENOM_MISMATCH')
    expect(bidEligibility(s.order, { denom: 'uact', amount: 2000n })).toBeUndefined()
  })

  it('AWARD_NOT_TENANT, AWARD_TOO_EARLY, AWARD_LATE, AWARD_NOT_SORTED, AWARD_WRONG_WINNER, AWARD_REVEAL_INVALID', async () => {
    const a = fresh('reveals')
    const body = s.award.body
    rule(() => a.add(signMessage(s.providers[0]!, 'Award', body)), 'AWARD_NOT_TENANT', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, createdAt: s.order.body.revealUntil - testParams.maxClockSkewMs - 1 })), 'AWARD_TOO_EARLY', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, createdAt: awardUntil(s.order.body, testParams) + 1 })), 'AWARD_LATE', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, reveals: [...body.reveals].reverse() })), 'AWARD_NOT_SORTED', 'REJECT')
    // naming the 1200 bid instead of the 1000 one
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, winner: s.commits[1]!.id })), 'AWARD_WRONG_WINNER', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, winner: new Uint8Array(0) })), 'AWARD_WRONG_WINNER', 'REJECT')
    // a reveal the tenant lists that does not open a sealed commit
    const other = await honestAuction([700n], { dseq: 77 })
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, reveals: awarded([other.reveals[0]!]), winner: other.commits[0]!.id })), 'AWARD_REVEAL_INVALID', 'REJECT')
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, reveals: [new Uint8Array([0xa0])] })), 'AWARD_REVEAL_INVALID', 'REJECT')
    // two openings of one commit (another createdAt): listed twice is not sorted-unique
    const twice = signMessage(s.providers[0]!, 'BidReveal', { ...s.bids[0]!.reveal, createdAt: T0 + 3999 })
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...body, reveals: [s.reveals[0]!.bytes, twice.bytes, ...awarded(s.reveals.slice(1))] })), 'AWARD_NOT_SORTED', 'REJECT')
    // leaving the cheapest reveal out changes what "lowest" means: accepted, but visible as an omission
    const without = awarded(s.reveals.slice(1))
    expect(a.add(signMessage(s.tenant, 'Award', { ...body, reveals: without, winner: s.commits[1]!.id }))).toBe('added')
    expect(a.omissions().cheaperLeftOut).toEqual([toHex(s.commits[0]!.id)])
  })

  it('AWARD_EQUIVOCATION voids the order', () => {
    const a = fresh('reveals')
    a.add(s.award)
    rule(() => a.add(signMessage(s.tenant, 'Award', { ...s.award.body, createdAt: s.award.body.createdAt + 1 })), 'AWARD_EQUIVOCATION', 'REJECT')
    expect(a.outcome()).toEqual({ status: 'void', reason: 'TENANT_EQUIVOCATION' })
  })

  it('NOT_AWARDED_YET, LEASE_NOT_AWARDED, LEASE_NOT_PARTY, LEASE_ACCEPT_MISMATCH', () => {
    const a = fresh('reveals')
    const accept = { net: s.order.body.net, createdAt: T0 + 6000, orderId: oid(), awardId: s.award.id, manifestHash: s.order.body.manifestHash }
    // before the award: missing context (parked by the order book), not a final verdict
    rule(() => a.add(signMessage(s.providers[0]!, 'LeaseAccept', accept)), 'NOT_AWARDED_YET', 'IGNORE')
    // an award with no winner: there is nothing to accept, ever
    const none = fresh('seal')
    none.add(signMessage(s.tenant, 'Award', buildAwardBody(none, testParams, s.order.body.revealUntil)))
    expect(none.outcome().status).toBe('no-lease')
    rule(() => none.add(signMessage(s.providers[0]!, 'LeaseAccept', accept)), 'LEASE_NOT_AWARDED', 'IGNORE')
    a.add(s.award)
    rule(() => a.add(signMessage(s.providers[1]!, 'LeaseAccept', accept)), 'LEASE_NOT_PARTY', 'REJECT')
    rule(() => a.add(signMessage(s.providers[0]!, 'LeaseAccept', { ...accept, manifestHash: new Uint8Array(32) })), 'LEASE_ACCEPT_MISMATCH', 'REJECT')
    rule(() => a.add(signMessage(s.providers[1]!, 'LeaseClose', { net: s.order.body.net, createdAt: T0 + 7000, orderId: oid(), provider: s.providers[0]!.publicKey, reason: 'x' })), 'LEASE_NOT_PARTY', 'REJECT')
  })

  it('ORDER_BIDDERS_FULL: bidders on their own per order are bounded (2 x maxBidsPerOrder); a seal carries its commits anyway', async () => {
    const small = new Auction(toHex(oid()), { ...testParams, maxBidsPerOrder: 1 })
    small.add(s.order)
    small.add(s.commits[0]!)
    small.add(s.commits[1]!)
    rule(() => small.add(s.commits[2]!), 'ORDER_BIDDERS_FULL', 'IGNORE')
    const seal = signMessage(s.tenant, 'Seal', { ...s.seal.body, commits: sealed([s.commits[2]!]) })
    expect(small.add(seal)).toBe('added')
    expect(small.sealedCommits().map((c) => toHex(c.id))).toEqual([toHex(s.commits[2]!.id)])
  })
})

export type { SignedMessage }
