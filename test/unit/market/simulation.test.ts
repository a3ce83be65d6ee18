import { describe, expect, it } from 'vitest'
import type { NodeKey } from '../../../src/identity/index.js'
import {
  awardReveals,
  MarketError, OrderBook, buildAwardBody, buildSealBody, makeSealedBid, orderIdOfMessage, signReveal,
  type AuctionMessage, type Outcome, type SealedBid
} from '../../../src/market/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { signMessage } from '../../../src/wire/index.js'
import { SEED, T0, orderBody, testKey, testParams } from '../../helpers/market-scenario.js'

/** mulberry32: a tiny seeded PRNG so every simulated run can be replayed from its seed. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface SimNode { name: string, key?: NodeKey, book: OrderBook, bid?: SealedBid, revealed?: boolean }

function outcomeKey (o: Outcome | undefined): string {
  if (o === undefined) return 'none'
  if (o.status === 'leased') return `leased ${toHex(o.lease.provider).slice(0, 8)} @ ${o.lease.price.amount}`
  return o.status
}

/**
 * One tenant, 50 providers and 3 observers. Every message reaches every other node after a
 * random delay (usually under 1.5 s, one in ten takes 2-4 s, so some commits miss the seal and
 * some reveals miss the award). The tenant seals at the commit deadline and awards at the reveal
 * deadline from what it has; providers reveal when they see their commit sealed.
 */
async function simulate (seed: number): Promise<{ outcomes: string[], winnerPrice?: bigint, bestListed?: bigint }> {
  const rand = prng(seed)
  const tenantKey = await testKey(1)
  const tenant: SimNode = { name: 'tenant', key: tenantKey, book: new OrderBook(testParams) }
  const providers: SimNode[] = []
  for (let i = 0; i < 50; i++) providers.push({ name: `p${i}`, key: await testKey(1000 + i), book: new OrderBook(testParams) })
  const observers: SimNode[] = [0, 1, 2].map((i) => ({ name: `o${i}`, book: new OrderBook(testParams) }))
  const nodes = [tenant, ...providers, ...observers]
  const prices = new Map<string, bigint>(providers.map((p) => [p.name, BigInt(500 + Math.floor(rand() * 2000))]))

  const order = signMessage(tenantKey, 'Order', orderBody({ dseq: seed }, 1000n, 2))
  const orderKey = toHex(orderIdOfMessage(order))
  type Event = { at: number, seq: number, run: () => void }
  const queue: Event[] = []
  let seq = 0
  let now = T0
  const schedule = (at: number, run: () => void): void => { queue.push({ at, seq: seq++, run }) }
  const delay = (): number => Math.round(rand() < 0.1 ? 2000 + rand() * 2000 : rand() * 1500)

  const deliver = (to: SimNode, msg: AuctionMessage): void => {
    try { to.book.add(msg) } catch (err) { if (!(err instanceof MarketError)) throw err }
    // provider behaviour
    if (to.key === undefined || to === tenant) return
    if (msg.type === 'Order' && now <= msg.body.commitUntil) {
      to.bid = makeSealedBid(to.key, msg, { denom: 'uact', amount: prices.get(to.name) as bigint }, now, new Uint8Array(32).fill(seq & 0xff))
      publish(to, to.bid.commit)
    }
    if (msg.type === 'Seal' && to.bid !== undefined && to.revealed !== true && now <= order.body.revealUntil &&
      msg.body.commits.some((c) => toHex(c) === toHex(to.bid!.commit.bytes))) {
      to.revealed = true
      publish(to, signReveal(to.key, to.bid, now))
    }
  }
  const publish = (from: SimNode, msg: AuctionMessage): void => {
    deliver(from, msg)
    for (const n of nodes) if (n !== from) schedule(now + delay(), () => deliver(n, msg))
  }

  schedule(T0, () => publish(tenant, order))
  schedule(order.body.commitUntil, () => {
    const a = tenant.book.get(orderKey)
    if (a !== undefined) publish(tenant, signMessage(tenantKey, 'Seal', buildSealBody(a, testParams, now, SEED)))
  })
  schedule(order.body.revealUntil, () => {
    const a = tenant.book.get(orderKey)
    if (a?.seal !== undefined) publish(tenant, signMessage(tenantKey, 'Award', buildAwardBody(a, testParams, now)))
  })
  while (queue.length > 0) {
    queue.sort((x, y) => x.at - y.at || x.seq - y.seq)
    const ev = queue.shift() as Event
    now = ev.at
    ev.run()
  }

  const outcomes = nodes.map((n) => outcomeKey(n.book.outcome(orderKey)))
  const o = tenant.book.outcome(orderKey)
  const award = tenant.book.get(orderKey)?.award
  const listed = award === undefined ? [] : awardReveals(award).map((r) => r.body.price.amount)
  const eligible = listed.filter((p) => p <= order.body.maxPrice.amount)
  return {
    outcomes,
    ...(o?.status === 'leased' ? { winnerPrice: o.lease.price.amount } : {}),
    ...(eligible.length > 0 ? { bestListed: eligible.reduce((a, b) => (a < b ? a : b)) } : {})
  }
}

describe('auction simulation: 1 tenant, 50 providers, random delivery delays', () => {
  it('every node agrees, run after run, and the lease is the lowest valid price', async () => {
    let leased = 0
    for (let seed = 1; seed <= 25; seed++) {
      const r = await simulate(seed)
      expect(new Set(r.outcomes).size, `seed ${seed}: ${[...new Set(r.outcomes)].join(' | ')}`).toBe(1)
      expect(r.winnerPrice).toBe(r.bestListed)
      if (r.winnerPrice !== undefined) leased++
    }
    // with 50 bidders and prices mostly under the maximum, nearly every run ends in a lease
    expect(leased).toBeGreaterThan(20)
  }, 120_000)
})
