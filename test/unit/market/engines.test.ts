import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../../src/util/clock.js'
import { BidEngine, OrderBook, awardUntil, TenantEngine, commitmentOf, parsePricing, sdlGroupFromOrder, orderIdOfMessage, sealCommits, type NoBidReason } from '../../../src/market/index.js'
import { defaultPricing } from '../../../src/market/pricing.js'
import { providerAttributes, type ProbeResult } from '../../../src/hardware/index.js'
import { parseSdl, groupMaxPrice } from '../../../src/sdl/index.js'
import { toHex } from '../../../src/util/bytes.js'
import { signMessage, type SignedMessage } from '../../../src/wire/index.js'
import { h100x8, probeOf, rtx4090x8, gpu } from '../hardware/helpers.js'
import { NET, T0, testKey, testParams } from '../../helpers/market-scenario.js'

const windows = { commitWindowMs: 3000, revealWindowMs: 2000 }
const GPU_SDL = new URL('../../fixtures/sdl/corpus/Llama-3-8B__deploy.yaml', import.meta.url)

async function provider (n: number, probe: ProbeResult, clock: ManualClock, pricingYaml = '', region = 'us-west'): Promise<BidEngine> {
  const key = await testKey(n)
  return new BidEngine({ pricing: parsePricing(pricingYaml), attributes: providerAttributes(probe, [{ key: 'region', value: region }], { ephemeralMount: '/', ramClass: true }), blockMs: 6000, params: testParams }, { key, clock, probe: () => probe })
}

async function tenantWithOrder (clock: ManualClock, book: OrderBook): Promise<{ tenant: TenantEngine, orders: Array<SignedMessage<'Order'>> }> {
  const sdl = parseSdl(await readFile(GPU_SDL, 'utf8'))
  const tenant = new TenantEngine({ net: NET, windows, params: testParams }, { key: await testKey(1), clock, book })
  const orders = tenant.createOrders(sdl)
  for (const o of orders) book.add(o)
  return { tenant, orders }
}

describe('tenant engine', () => {
  it('one order per SDL group, priced at the group maximum, deadlines from the windows', async () => {
    const clock = new ManualClock(T0)
    const book = new OrderBook(testParams)
    const sdl = parseSdl(await readFile(GPU_SDL, 'utf8'))
    const { orders } = await tenantWithOrder(clock, book)
    expect(orders.length).toBe(sdl.groups.length)
    const o = orders[0]!
    expect(o.body.gseq).toBe(1)
    expect(o.body.commitUntil).toBe(T0 + 3000)
    expect(o.body.revealUntil).toBe(T0 + 5000)
    expect(toHex(o.body.manifestHash)).toBe(sdl.manifestHash)
    // maxPrice = sum(unit price x count) of the SDL group, in wire units
    const max = groupMaxPrice(sdl.groups[0]!)
    expect(o.body.maxPrice.amount).toBe(BigInt(max.amount) * 1_000_000n)
    // the round trip SDL group -> order -> SDL group is lossless for integral prices
    expect(sdlGroupFromOrder(o.body.group)).toEqual(sdl.groups[0])
  })

  it('seals at the commit deadline and awards at the reveal deadline, once each', async () => {
    const clock = new ManualClock(T0)
    const book = new OrderBook(testParams)
    const { tenant, orders } = await tenantWithOrder(clock, book)
    expect(tenant.tick()).toEqual([])
    expect(tenant.nextDeadline()).toBe(orders[0]!.body.commitUntil)
    clock.set(orders[0]!.body.commitUntil)
    const seals = tenant.tick()
    expect(seals.map((m) => m.type)).toEqual(['Seal'])
    for (const m of seals) book.add(m)
    expect(tenant.tick()).toEqual([]) // idempotent: the seal is in the book
    clock.set(orders[0]!.body.revealUntil)
    const awards = tenant.tick()
    expect(awards.map((m) => m.type)).toEqual(['Award'])
    for (const m of awards) book.add(m)
    expect(tenant.tick()).toEqual([])
    expect(book.outcome(toHex(orderIdOfMessage(orders[0]!)))?.status).toBe('no-lease')
  })
})

describe('bid engine', () => {
  it('bids within the maximum, holds the capacity, and says why it skips', async () => {
    const clock = new ManualClock(T0)
    const book = new OrderBook(testParams)
    const { orders } = await tenantWithOrder(clock, book)
    const order = orders[0]!
    const h100 = await provider(200, probeOf({ gpus: h100x8() }), clock)
    const d = h100.consider(order)
    expect(d.action).toBe('bid')
    if (d.action !== 'bid') return
    expect(d.price.amount <= order.body.maxPrice.amount).toBe(true)
    expect(h100.inventory().available.gpus.reduce((n, g) => n + g.count, 0)).toBe(7)
    // the commit opens with the derived salt
    expect(toHex(commitmentOf(orderIdOfMessage(order), (await testKey(200)).publicKey, d.price, h100.saltFor(orderIdOfMessage(order))))).toBe(toHex(d.bid.commit.body.commitment))
    // considering again is idempotent: same bid, nothing held twice
    expect(h100.consider(order)).toEqual(d)
    expect(h100.inventory().available.gpus.reduce((n, g) => n + g.count, 0)).toBe(7)

    const rtx = await provider(201, probeOf({ gpus: rtx4090x8() }), clock)
    const skip = rtx.consider(order)
    expect(skip.action).toBe('skip')
    const codes = (skip as { reasons: NoBidReason[] }).reasons.map((r) => r.code)
    expect(codes).toContain('GPU_MODEL_UNAVAILABLE')
    expect(rtx.reasons(toHex(orderIdOfMessage(order)))).toBeDefined()

    const dear = await provider(202, probeOf({ gpus: h100x8() }), clock, 'gpu: {h100: 100000}\n')
    const tooDear = dear.consider(order)
    expect(tooDear.action === 'skip' && tooDear.reasons.map((r) => r.code)).toEqual(['PRICE_ABOVE_MAX'])

    const late = await provider(203, probeOf({ gpus: h100x8() }), new ManualClock(order.body.commitUntil + 1))
    expect((late.consider(order) as { reasons: NoBidReason[] }).reasons.map((r) => r.code)).toContain('ORDER_CLOSED')
  })

  it('reveals when sealed, releases when not, keeps a won lease, expires stale holds, restores after a restart', async () => {
    const clock = new ManualClock(T0)
    const book = new OrderBook(testParams)
    const { tenant, orders } = await tenantWithOrder(clock, book)
    const order = orders[0]!
    const probe = probeOf({ gpus: [gpu(0, 'h100', '80Gi', 'sxm'), gpu(1, 'a100', '80Gi', 'pcie')] })
    const a = await provider(210, probe, clock, 'gpu: {h100: 1000, a100: 1000}\n')
    const b = await provider(211, probe, clock, 'gpu: {h100: 2000, a100: 2000}\n')
    const da = a.consider(order)
    const db = b.consider(order)
    if (da.action !== 'bid' || db.action !== 'bid') throw new Error('both should bid')
    // b's commit is lost on the way to the tenant: the seal holds only a's
    book.add(da.bid.commit)
    clock.set(order.body.commitUntil)
    const [seal] = tenant.tick()
    book.add(seal!)
    expect(b.onSeal(toHex(orderIdOfMessage(order)), sealCommits(seal as SignedMessage<'Seal'>).map((c) => c.id))).toBeUndefined()
    expect(b.holdIds()).toEqual([])
    expect(b.reasons(toHex(orderIdOfMessage(order)))?.[0]?.code).toBe('NOT_SEALED')

    // a restarts before revealing: a fresh engine restores the bid from the stored commit and price
    const a2 = await provider(210, probe, clock, 'gpu: {h100: 1000, a100: 1000}\n')
    expect(a2.restore(order, da.bid.commit, { denom: 'uact', amount: da.price.amount + 1n })).toBe(false)
    expect(a2.restore(order, da.bid.commit, da.price)).toBe(true)
    const reveal = a2.onSeal(toHex(orderIdOfMessage(order)), sealCommits(seal as SignedMessage<'Seal'>).map((c) => c.id))
    expect(reveal).toBeDefined()
    book.add(reveal!)
    clock.set(order.body.revealUntil)
    const [award] = tenant.tick()
    book.add(award!)
    const outcome = book.outcome(toHex(orderIdOfMessage(order)))!
    expect(outcome.status).toBe('leased')
    a2.onOutcome(toHex(orderIdOfMessage(order)), outcome)
    expect(a2.holdIds()).toEqual([{ id: toHex(orderIdOfMessage(order)), kind: 'lease' }])
    // leases are not expired by time
    clock.advance(3_600_000)
    expect(a2.expire()).toEqual([])

    // a commit no seal answered is released right after the reveal deadline (a tenant that never
    // seals cannot lock capacity until the award window ends)
    const c = await provider(212, probe, new ManualClock(T0))
    c.consider(order)
    expect(c.holdIds().length).toBe(1)
    const cclock = new ManualClock(order.body.revealUntil + testParams.maxClockSkewMs)
    const c2 = new BidEngine({ pricing: defaultPricing, attributes: [], params: testParams }, { key: await testKey(212), clock: cclock, probe: () => probe })
    c2.restore(order, (c.consider(order) as { bid: { commit: SignedMessage<'BidCommit'> } }).bid.commit, c.storedBids()[0]!.price)
    expect(c2.expire()).toEqual([])
    cclock.advance(1)
    expect(c2.expire()).toEqual([toHex(orderIdOfMessage(order))])
    // a sealed commit is held until the award deadline
    const d2 = new BidEngine({ pricing: defaultPricing, attributes: [], params: testParams }, { key: await testKey(212), clock: cclock, probe: () => probe })
    d2.restore(order, (c.consider(order) as { bid: { commit: SignedMessage<'BidCommit'> } }).bid.commit, c.storedBids()[0]!.price)
    d2.onSeal(toHex(orderIdOfMessage(order)), [(c.consider(order) as { bid: { commit: SignedMessage<'BidCommit'> } }).bid.commit.id])
    expect(d2.expire()).toEqual([])
    cclock.set(awardUntil(order.body, testParams) + testParams.maxClockSkewMs + 1)
    expect(d2.expire()).toEqual([toHex(orderIdOfMessage(order))])
  })
})

describe('SDL to lease, in process', () => {
  it('three priced providers and one that cannot serve: the cheapest capable provider wins', async () => {
    const clock = new ManualClock(T0)
    const book = new OrderBook(testParams)
    const { tenant, orders } = await tenantWithOrder(clock, book)
    const order = orders[0]!
    const providers = [
      await provider(300, probeOf({ gpus: h100x8() }), clock, 'gpu: {h100: 1200}\n'),
      await provider(301, probeOf({ gpus: h100x8() }), clock, 'gpu: {h100: 900}\n'),
      await provider(302, probeOf({ gpus: h100x8() }), clock, 'gpu: {h100: 1500}\n'),
      await provider(303, probeOf({ gpus: rtx4090x8() }), clock)
    ]
    const decisions = providers.map((p) => p.consider(order))
    for (const d of decisions) if (d.action === 'bid') book.add(d.bid.commit)
    expect(decisions.map((d) => d.action)).toEqual(['bid', 'bid', 'bid', 'skip'])
    clock.set(order.body.commitUntil)
    for (const m of tenant.tick()) book.add(m)
    const seal = book.get(toHex(orderIdOfMessage(order)))!.seal!
    for (const p of providers) { const r = p.onSeal(toHex(orderIdOfMessage(order)), sealCommits(seal).map((c) => c.id)); if (r !== undefined) book.add(r) }
    clock.set(order.body.revealUntil)
    for (const m of tenant.tick()) book.add(m)
    const o = book.outcome(toHex(orderIdOfMessage(order)))
    expect(o?.status).toBe('leased')
    if (o?.status === 'leased') {
      expect(toHex(o.lease.provider)).toBe(toHex((await testKey(301)).publicKey))
      expect(o.lease.price).toEqual((decisions[1] as { price: unknown }).price)
    }
    void signMessage
  })
})
