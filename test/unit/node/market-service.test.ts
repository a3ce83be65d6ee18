import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { writeFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/identity/index.js'
import { PricingError, orderIdOfMessage, parsePricing, priceGroup, wireToDecimal } from '../../../src/market/index.js'
import { MarketServiceError, defaultManifestOptions, defaultSyncOptions, parseMaxPrice } from '../../../src/node/market/index.js'
import { SkymeshNode } from '../../../src/node/runtime.js'
import type { LeaseView, OrderView } from '../../../src/node/views.js'
import { RequestError, request, serve } from '../../../src/p2p/request-response.js'
import { canonicalJson, parseSdl } from '../../../src/sdl/index.js'
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js'
import { ManualClock } from '../../../src/util/clock.js'
import { silentLogger } from '../../../src/util/logger.js'
import { decodeEnvelope, encodeCanonical } from '../../../src/wire/index.js'
import { MarketNodes, REDIS_SDL, networkIdOfTest, tcpAddr, waitForMarketMesh, type MarketNetwork } from '../../helpers/market-nodes.js'
import { waitFor } from '../../helpers/mesh.js'
import { probeOf } from '../hardware/helpers.js'
import { testMeshNode } from '../p2p/helpers.js'

/**
 * The market over a real mesh in this process: a tenant (the hub every provider bootstraps
 * through), a cheap provider, a dearer one with an operator attribute, and one whose every core
 * is reserved, all on 127.0.0.1 with the same short auction windows. Tests run in order on the
 * same mesh: the first auction's lease is the one later tests sync, refuse and close.
 */
const NET: MarketNetwork = { id: 'skymesh-unit-market', commitWindowMs: 1500, revealWindowMs: 1200, maxClockSkewMs: 400 }
const CHEAP_PRICING = 'unit: usd-per-month\ncpu: 1.00\n'
const MID_PRICING = 'unit: usd-per-month\ncpu: 2.00\n'
const NET_ID = networkIdOfTest(NET)
const SYNC = `/skymesh/${NET_ID}/sync/1.0.0`
const MANIFEST = `/skymesh/${NET_ID}/manifest/1.0.0`
/** The redis SDL, placed only on providers with region=eu-west. */
const EU_SDL = REDIS_SDL.replace('    dcloud:\n      pricing:', '    dcloud:\n      attributes:\n        region: eu-west\n      pricing:')

const nodes = new MarketNodes(NET)
let tenant: SkymeshNode
let cheap: SkymeshNode
let mid: SkymeshNode
let full: SkymeshNode
let late: SkymeshNode | undefined
let tenantDir: string
let firstOrder: string
let firstLease: LeaseView

const all = (): SkymeshNode[] => [tenant, cheap, mid, full, ...(late !== undefined ? [late] : [])]
const leaseOn = (n: SkymeshNode, orderId: string): LeaseView | undefined => n.leases().find((l) => l.orderId === orderId)

/** Wait until every node holds the order's lease in `state`, then return the views (all equal). */
async function leaseEverywhere (orderId: string, state: LeaseView['state'], on: SkymeshNode[] = all(), timeoutMs = 15_000): Promise<LeaseView> {
  await waitFor(`lease ${state} on every node`, () => on.every((n) => leaseOn(n, orderId)?.state === state), timeoutMs, 50)
  const views = on.map((n) => leaseOn(n, orderId))
  for (const v of views) expect(v).toEqual(views[0])
  return views[0] as LeaseView
}

/** The parts of an order view every node must agree on (not `mine`, `myReasons`). */
function shared (o: OrderView | undefined): unknown {
  if (o === undefined) return undefined
  const { mine: _m, myReasons: _r, ...rest } = o
  return { ...rest, bids: [...rest.bids].sort((a, b) => a.commitId.localeCompare(b.commitId)), noBids: [...rest.noBids].sort((a, b) => a.provider.localeCompare(b.provider)) }
}

async function codeOf (p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(MarketServiceError)
  expect((err as MarketServiceError).badInput).toBe(true)
  return (err as MarketServiceError).code
}

beforeAll(async () => {
  tenantDir = await nodes.dataDir()
  tenant = (await nodes.start({ roles: ['tenant'], dataDir: tenantDir })).node
  const hub = [tcpAddr(tenant)]
  ;[cheap, mid, full] = (await Promise.all([
    nodes.start({ roles: ['provider'], bootstrap: hub, pricing: CHEAP_PRICING }),
    nodes.start({ roles: ['provider'], bootstrap: hub, pricing: MID_PRICING, attributes: { region: 'eu-west' } }),
    // every core of the recorded machine is kept back: it cannot serve a 1-cpu order
    nodes.start({ roles: ['provider'], bootstrap: hub, extraConfig: 'provider:\n  reserved: { cpu: 1000000000 }\n  workloads: off\n' })
  ])).map((s) => s.node) as [SkymeshNode, SkymeshNode, SkymeshNode]
  await waitForMarketMesh([cheap, mid, full])
  await waitForMarketMesh([tenant], 3)
}, 60_000)

afterAll(async () => { await nodes.closeAll() }, 30_000)

describe('an auction over the mesh', () => {
  it('deploy ends in an active lease from the cheapest provider, at its pricing file\'s price, the same on every node', async () => {
    const { orderIds, dseq } = await tenant.deploy(REDIS_SDL)
    expect(orderIds).toHaveLength(1)
    expect(orderIds[0]).toMatch(/^[0-9a-f]{64}$/)
    firstOrder = orderIds[0] as string
    const placed = tenant.order(firstOrder)
    expect(placed).toMatchObject({ dseq, gseq: 1, group: 'dcloud', mine: true, outcome: 'pending', maxPrice: { denom: 'uact', amount: '100000' } })

    firstLease = await leaseEverywhere(firstOrder, 'active')
    expect(firstLease.provider).toBe(cheap.key.accountId)
    expect(firstLease.tenant).toBe(tenant.key.accountId)
    expect(firstLease.leaseId).toBe(`${firstOrder}/${toHex(cheap.key.publicKey)}`)
    // the cheap provider's pricing file (1 USD per core and month), not the built-in prices
    const expected = priceGroup(parseSdl(REDIS_SDL).groups[0] as never, parsePricing(CHEAP_PRICING), [], tenant.config.network.blockMs)
    expect(firstLease.pricePerBlock).toBe(wireToDecimal(expected.amount))
    expect(firstLease.resources).toEqual([{ count: 1, cpu: 1000, memory: 1024 ** 3, storage: 1024 ** 3, gpu: 0 }])

    const view = tenant.order(firstOrder) as OrderView
    expect(view).toMatchObject({ outcome: 'leased', phase: 'awarded', mine: true })
    // two providers bid and revealed; the full one did not bid
    expect(view.bids.map((b) => b.provider).sort()).toEqual([cheap.key.accountId, mid.key.accountId].sort())
    expect(view.bids.every((b) => b.sealed && b.price !== undefined)).toBe(true)
    const price = (p: SkymeshNode): number => Number(view.bids.find((b) => b.provider === p.key.accountId)?.price)
    expect(price(cheap)).toBeLessThan(price(mid))
    expect(firstLease.pricePerBlock).toBe(view.bids.find((b) => b.provider === cheap.key.accountId)?.price)
    // the same auction on every node
    await waitFor('every node has both reveals and the no-bid', () => all().every((n) => n.order(firstOrder)?.noBids.length === 1))
    for (const n of all()) expect(shared(n.order(firstOrder))).toEqual(shared(view))
    expect(cheap.order(firstOrder)?.mine).toBe(false)
  }, 30_000)

  it('a provider that cannot serve publishes NoBid reasons, which the tenant shows', () => {
    const view = tenant.order(firstOrder) as OrderView
    expect(view.noBids.map((n) => n.provider)).toEqual([full.key.accountId])
    const codes = view.noBids[0]?.reasons.map((r) => r.code)
    expect(codes).toContain('CPU_SHORT')
    // the provider itself keeps the same reasons
    expect(full.order(firstOrder)?.myReasons?.map((r) => r.code)).toEqual(codes)
    // the bidders have none
    expect(cheap.order(firstOrder)?.myReasons).toBeUndefined()
  })

  it('operator attributes decide who can bid: an eu-west order goes to the dearer provider, the cheap one says why', async () => {
    const { orderIds } = await tenant.deploy(EU_SDL)
    const id = orderIds[0] as string
    const lease = await leaseEverywhere(id, 'active')
    expect(lease.provider).toBe(mid.key.accountId)
    const view = tenant.order(id) as OrderView
    expect(view.bids.map((b) => b.provider)).toEqual([mid.key.accountId])
    await waitFor('two no-bids', () => tenant.order(id)?.noBids.length === 2)
    const reasons = new Map((tenant.order(id) as OrderView).noBids.map((n) => [n.provider, n.reasons.map((r) => r.code)]))
    expect(reasons.get(cheap.key.accountId)).toContain('ATTRIBUTE_MISSING')
    expect(reasons.get(full.key.accountId)).toEqual(expect.arrayContaining(['ATTRIBUTE_MISSING', 'CPU_SHORT']))
  }, 30_000)

  it('a node that connects only after the auction ended gets all of it through the sync protocol and computes the same lease', async () => {
    const started = await nodes.start({ roles: ['tenant'], bootstrap: [tcpAddr(tenant)] })
    late = started.node
    const joined = late
    // gossip never replays: only the since-sync the tenant answers on identify can bring these
    await waitFor('the late node has the first lease', () => leaseOn(joined, firstOrder)?.state === 'active', 15_000, 50)
    expect(leaseOn(joined, firstOrder)).toEqual(firstLease)
    expect(shared(joined.order(firstOrder))).toEqual(shared(tenant.order(firstOrder)))
    expect(joined.order(firstOrder)?.mine).toBe(false)
    // and every other order the tenant knows
    await waitFor('every order', () => joined.orders().length === tenant.orders().length, 5_000, 50)
    expect(joined.leases()).toEqual(tenant.leases())
  }, 30_000)
})

describe('the sync protocol (server side)', () => {
  const ask = async (from: SkymeshNode, to: SkymeshNode, req: Uint8Array): Promise<Uint8Array[]> =>
    await request(from.libp2p, peerIdFromString(to.key.accountId), SYNC, req, defaultSyncOptions)

  it('answers an order id with every message of that order, oldest first', async () => {
    const items = await ask(mid, tenant, encodeCanonical({ orderId: fromHex(firstOrder) }))
    const msgs = items.map((b) => decodeEnvelope(b))
    const types = msgs.map((m) => m.type)
    expect(types[0]).toBe('Order')
    for (const t of ['BidCommit', 'Seal', 'BidReveal', 'Award', 'LeaseAccept', 'NoBid']) expect(types).toContain(t)
    expect(types.filter((t) => t === 'BidCommit')).toHaveLength(2)
    expect(types.indexOf('Seal')).toBeLessThan(types.indexOf('Award'))
  })

  it('answers since=0 with the messages of every recent order', async () => {
    const items = await ask(mid, tenant, encodeCanonical({ since: 0 }))
    const orderIds = new Set(items.map((b) => decodeEnvelope(b)).flatMap((m) => m.type === 'Order' ? [toHex(orderIdOfMessage(m as never))] : []))
    expect(orderIds.size).toBe(tenant.orders().length)
  })

  it('answers a malformed request and an unknown order with no items', async () => {
    const bad: Uint8Array[] = [
      new Uint8Array([0xff, 0x00, 0x13]),
      utf8('not cbor at all'),
      encodeCanonical({ orderId: fromHex(firstOrder)?.subarray(0, 31) }),
      encodeCanonical({ orderId: fromHex(firstOrder), extra: 1 }),
      encodeCanonical({ since: -1 }),
      encodeCanonical({ since: 'yesterday' }),
      encodeCanonical([fromHex(firstOrder)]),
      new Uint8Array(0)
    ]
    for (const req of bad) expect(await ask(mid, tenant, req), toHex(req)).toEqual([])
    expect(await ask(mid, tenant, encodeCanonical({ orderId: new Uint8Array(32).fill(7) }))).toEqual([])
  })

  it('a request over maxRequestBytes is not read: the stream is reset, where a small malformed one is answered empty', async () => {
    const big = encodeCanonical({ orderId: new Uint8Array(defaultSyncOptions.maxRequestBytes) })
    const err = await ask(mid, tenant, big).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(RequestError)
    expect((err as RequestError).code).toBe('REQUEST_FAILED')
    await expect(ask(mid, tenant, encodeCanonical({ orderId: new Uint8Array(31) }))).resolves.toEqual([])
  })
})

describe('a sync answer out of arrival order (a server that stored them in one millisecond sorts them by id)', () => {
  let inOrder: Uint8Array[]
  let types: string[]

  beforeAll(async () => {
    inOrder = await request(mid.libp2p, peerIdFromString(tenant.key.accountId), SYNC, encodeCanonical({ orderId: fromHex(firstOrder) }), defaultSyncOptions)
    types = inOrder.map((b) => decodeEnvelope(b).type)
    expect(types.filter((t) => t === 'LeaseAccept' || t === 'Award' || t === 'NoBid' || t === 'Order')).toHaveLength(4)
  })

  /** Move the message of type `type` to just before the one of type `before`. */
  const moved = (type: string, before: string): Uint8Array[] => {
    const rest = inOrder.filter((_, i) => types[i] !== type)
    const msg = inOrder[types.indexOf(type)] as Uint8Array
    const at = rest.findIndex((b) => decodeEnvelope(b).type === before)
    return [...rest.slice(0, at), msg, ...rest.slice(at)]
  }

  /**
   * A fresh node whose only peer is a plain skymesh libp2p node serving `served` on the sync
   * protocol, whatever it is asked: the node's since-sync on identify ingests exactly that.
   */
  async function syncedFrom (served: Uint8Array[]): Promise<SkymeshNode> {
    const peer = await testMeshNode({ network: { protocolPrefix: 'skymesh', networkId: NET_ID } })
    nodes.onClose(async () => { await peer.libp2p.stop() })
    await serve(peer.libp2p, SYNC, () => served, defaultSyncOptions)
    const n = (await nodes.start({ roles: ['tenant'], bootstrap: [peer.addr] })).node
    await waitFor('the award arrived through sync', () => n.order(firstOrder)?.outcome === 'leased', 10_000, 50)
    return n
  }

  it('in arrival order: the lease is active and the no-bid shown (the control for the two below)', async () => {
    const n = await syncedFrom(inOrder)
    expect(leaseOn(n, firstOrder)?.state).toBe('active')
    expect(n.order(firstOrder)?.noBids.map((x) => x.provider)).toEqual([full.key.accountId])
    await n.close()
  })

  // A LeaseAccept ingested before its Award (they travel on different topics) is parked, not dropped.
  it('a LeaseAccept served before the Award it accepts still makes the lease active', async () => {
    const n = await syncedFrom(moved('LeaseAccept', 'Award'))
    try {
      expect(leaseOn(n, firstOrder)?.state).toBe('active')
    } finally {
      await n.close()
    }
  })

  // A NoBid for an order not known yet (a sync answer in another order) is kept until the order arrives.
  it('a NoBid served before its Order is still shown', async () => {
    const n = await syncedFrom(moved('NoBid', 'Order'))
    try {
      expect(n.order(firstOrder)?.noBids.map((x) => x.provider)).toEqual([full.key.accountId])
    } finally {
      await n.close()
    }
  })
})

describe('the manifest protocol (provider side)', () => {
  let orderId: string
  let manifest: Uint8Array
  const deliver = async (from: SkymeshNode, to: SkymeshNode, req: Uint8Array): Promise<Uint8Array[]> =>
    await request(from.libp2p, peerIdFromString(to.key.accountId), MANIFEST, req, defaultManifestOptions)

  beforeAll(async () => {
    // An order placed through the tenant engine directly: no deployment is stored, so the
    // tenant has no manifest to deliver and the lease waits in 'awarded' for this test's requests.
    const sdl = parseSdl(REDIS_SDL)
    manifest = utf8(canonicalJson(sdl.manifest))
    expect(toHex(sha256(manifest))).toBe(sdl.manifestHash)
    const engine = tenant.marketService.tenant
    if (engine === undefined) throw new Error('the tenant has no tenant engine')
    const [order] = engine.createOrders(sdl)
    if (order === undefined) throw new Error('no order')
    orderId = toHex(orderIdOfMessage(order))
    await tenant.marketService.publish(order)
    await leaseEverywhere(orderId, 'awarded', [tenant, cheap, mid])
  }, 30_000)

  const stillAwarded = async (): Promise<void> => {
    // the provider would have gossiped a LeaseAccept at once; give it time to arrive
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (const n of [tenant, cheap, mid]) expect(leaseOn(n, orderId)?.state).toBe('awarded')
  }

  it('refuses the manifest from a peer that is not the tenant', async () => {
    expect(leaseOn(cheap, orderId)?.provider).toBe(cheap.key.accountId)
    expect(await deliver(mid, cheap, encodeCanonical({ orderId: fromHex(orderId), manifest }))).toEqual([])
    await stillAwarded()
  })

  it('refuses a manifest whose sha256 is not the order\'s manifestHash, and a malformed request', async () => {
    const other = utf8(canonicalJson(parseSdl(EU_SDL).manifest).replace('redis', 'redis2'))
    expect(await deliver(tenant, cheap, encodeCanonical({ orderId: fromHex(orderId), manifest: other }))).toEqual([])
    expect(await deliver(tenant, cheap, encodeCanonical({ orderId: fromHex(orderId), manifest: manifest.subarray(1) }))).toEqual([])
    expect(await deliver(tenant, cheap, encodeCanonical({ orderId: fromHex(orderId) }))).toEqual([])
    expect(await deliver(tenant, cheap, utf8('garbage'))).toEqual([])
    await stillAwarded()
  })

  it('refuses a manifest sent to a provider that did not win', async () => {
    expect(await deliver(tenant, mid, encodeCanonical({ orderId: fromHex(orderId), manifest }))).toEqual([])
    await stillAwarded()
  })

  it('accepts the right manifest from the tenant: the LeaseAccept comes back and the lease turns active everywhere', async () => {
    const replies = await deliver(tenant, cheap, encodeCanonical({ orderId: fromHex(orderId), manifest }))
    expect(replies).toHaveLength(1)
    const accept = decodeEnvelope(replies[0] as Uint8Array)
    expect(accept.type).toBe('LeaseAccept')
    expect(toHex(accept.signer)).toBe(toHex(cheap.key.publicKey))
    await leaseEverywhere(orderId, 'active', [tenant, cheap, mid])
    // a second delivery gets the same accept, not a new one
    const again = await deliver(tenant, cheap, encodeCanonical({ orderId: fromHex(orderId), manifest }))
    expect(again.map(toHex)).toEqual(replies.map(toHex))
  }, 20_000)
})

describe('closeLease', () => {
  it('UNKNOWN_LEASE for an id no order here has', async () => {
    expect(await codeOf(tenant.closeLease(`${'00'.repeat(32)}/${'11'.repeat(32)}`, 'x'))).toBe('UNKNOWN_LEASE')
    expect(await codeOf(tenant.closeLease(`${firstOrder}/${'11'.repeat(32)}`, 'x'))).toBe('UNKNOWN_LEASE')
    expect(await codeOf(tenant.closeLease('nonsense', 'x'))).toBe('UNKNOWN_LEASE')
    expect(await codeOf(tenant.closeLease('', 'x'))).toBe('UNKNOWN_LEASE')
  })

  it('NOT_A_PARTY for a node that is neither the tenant nor the provider', async () => {
    expect(await codeOf(mid.closeLease(firstLease.leaseId, 'x'))).toBe('NOT_A_PARTY')
    expect(await codeOf(full.closeLease(firstLease.leaseId, 'x'))).toBe('NOT_A_PARTY')
    expect(leaseOn(tenant, firstOrder)?.state).toBe('active')
  })

  it('the tenant closes its lease: closed by the tenant on every node; closing again is LEASE_CLOSED for either party', async () => {
    const closed = await tenant.closeLease(firstLease.leaseId, 'done testing')
    expect(closed).toMatchObject({ leaseId: firstLease.leaseId, state: 'closed', closedBy: 'tenant', closeReason: 'done testing' })
    const everywhere = await leaseEverywhere(firstOrder, 'closed')
    expect(everywhere).toEqual(closed)
    expect(await codeOf(tenant.closeLease(firstLease.leaseId, 'again'))).toBe('LEASE_CLOSED')
    expect(await codeOf(cheap.closeLease(firstLease.leaseId, 'again'))).toBe('LEASE_CLOSED')
  })

  it('the provider can close a lease too', async () => {
    const lease = mid.leases().find((l) => l.provider === mid.key.accountId && l.state === 'active') as LeaseView
    expect(lease).toBeDefined()
    const closed = await mid.closeLease(lease.leaseId, 'maintenance')
    expect(closed).toMatchObject({ state: 'closed', closedBy: 'provider', closeReason: 'maintenance' })
    expect((await leaseEverywhere(lease.orderId, 'closed')).closedBy).toBe('provider')
  })
})

describe('deploy', () => {
  it('on a node without the tenant role: NOT_A_TENANT', async () => {
    expect(await codeOf(cheap.deploy(REDIS_SDL))).toBe('NOT_A_TENANT')
    expect(await codeOf(cheap.marketService.deploy(REDIS_SDL))).toBe('NOT_A_TENANT')
    expect(cheap.orders().filter((o) => o.tenant === cheap.key.accountId)).toEqual([])
  })

  // dseq is the clock in ms, made unique: a second deployment in the same millisecond gets the next one.
  it('two deployments in the same millisecond both succeed, with distinct deployment sequences', async () => {
    const clock = new ManualClock(Date.now())
    const n = (await nodes.start({ roles: ['tenant'], modules: { clock } })).node
    const a = await n.deploy(REDIS_SDL)
    const b = await n.deploy(EU_SDL)
    expect(b.dseq).not.toBe(a.dseq)
    expect(b.orderIds[0]).not.toBe(a.orderIds[0])
  })

  it('a bad --max-price is BAD_MAX_PRICE before any order is made', async () => {
    const before = tenant.orders().length
    expect(await codeOf(tenant.deploy(REDIS_SDL, { maxPrice: 'abc' }))).toBe('BAD_MAX_PRICE')
    expect(tenant.orders()).toHaveLength(before)
  })
})

describe('restore from the store', () => {
  it('a node closed and re-opened on its data directory rebuilds the same orders and leases', async () => {
    await waitFor('the tenant has every lease settled', () => tenant.leases().every((l) => l.state !== 'awarded'), 10_000, 50)
    const orders = tenant.orders().map(shared)
    const leases = tenant.leases()
    const peerId = tenant.key.accountId
    expect(orders.length).toBeGreaterThanOrEqual(3)
    expect(leases.map((l) => l.state).sort()).toEqual(['active', 'closed', 'closed'])
    await tenant.close()
    // alone (no bootstrap): whatever it shows comes from SQLite
    const again = await SkymeshNode.init({ dataDir: tenantDir, listen: ['/ip4/127.0.0.1/tcp/0'] }, { logger: silentLogger })
    try {
      expect(again.key.accountId).toBe(peerId)
      expect(again.libp2p.getPeers()).toEqual([])
      expect(again.orders().map(shared)).toEqual(orders)
      expect(again.leases()).toEqual(leases)
      expect(again.orders().every((o) => o.mine)).toBe(true)
    } finally {
      await again.close()
    }
  }, 30_000)
})

describe('the caught-up rule of a tenant (manual clock)', () => {
  it('a tenant that never caught up with a peer seals and awards only in the second half of each window', async () => {
    const clock = new ManualClock(Date.now())
    const lone = (await nodes.start({ roles: ['tenant'], modules: { clock } })).node
    const { orderIds } = await lone.deploy(REDIS_SDL)
    const id = orderIds[0] as string
    const o = lone.order(id) as OrderView
    const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 500)) }
    clock.set(o.commitUntil + 1)
    await settle()
    expect(lone.order(id)?.phase).toBe('sealing')
    const half = (o.revealUntil - o.commitUntil) / 2
    clock.set(o.revealUntil - half - 10)
    await settle()
    expect(lone.order(id)?.phase).toBe('sealing')
    clock.set(o.revealUntil - half + 10)
    await waitFor('the seal', () => lone.order(id)?.phase === 'reveal', 3_000, 50)
    clock.set(o.revealUntil + 1)
    await settle()
    expect(lone.order(id)?.phase).toBe('awarding')
    clock.set(o.revealUntil + 6_000)
    await waitFor('the award', () => lone.order(id)?.outcome === 'no-lease', 3_000, 50)
  }, 20_000)

  it('once a sync with a peer completed, it seals at the commit deadline', async () => {
    const clock = new ManualClock(Date.now())
    const started = await nodes.start({ roles: ['tenant'], modules: { clock } })
    const peer = (await nodes.start({ roles: ['tenant'] })).node
    await started.node.libp2p.dial(multiaddr(tcpAddr(peer)), { signal: AbortSignal.timeout(5_000) })
    const { orderIds } = await peer.deploy(REDIS_SDL)
    // the since-sync after identify brings the peer's order: the node caught up
    await waitFor('caught up', () => started.node.order(orderIds[0] as string) !== undefined, 10_000, 50)
    await new Promise((resolve) => setTimeout(resolve, 200))
    clock.set(Date.now())
    const { orderIds: mine } = await started.node.deploy(REDIS_SDL)
    const o = started.node.order(mine[0] as string) as OrderView
    clock.set(o.commitUntil + 1)
    await waitFor('the seal right at the commit deadline', () => started.node.order(mine[0] as string)?.phase === 'reveal', 3_000, 50)
  }, 20_000)
})

describe('SkymeshNode.init: the provider\'s pricing file', () => {
  /** The error init fails with; a node that starts anyway is closed (and the test fails). */
  const initError = async (opts: Parameters<typeof SkymeshNode.init>[0]): Promise<unknown> => {
    const r = await SkymeshNode.init(opts, { logger: silentLogger, probe: async () => probeOf() }).then((n) => n, (e: unknown) => e)
    if (r instanceof SkymeshNode) { await r.close(); return undefined }
    return r
  }

  it('a missing pricing file stops the start with PRICING_NOT_FOUND naming the file', async () => {
    const dataDir = await nodes.dataDir()
    const err = await initError({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], roles: ['provider'], pricing: 'nope.yaml' })
    expect(err).toBeInstanceOf(PricingError)
    expect((err as PricingError).code).toBe('PRICING_NOT_FOUND')
    expect((err as PricingError).details.file).toBe(`${dataDir}/nope.yaml`)
  })

  it('a bad pricing file stops the start with the parser\'s code, naming the key', async () => {
    const dataDir = await nodes.dataDir()
    await writeFile(`${dataDir}/pricing.yaml`, 'unit: usd-per-month\ncpuu: 1\n')
    const err = await initError({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], roles: ['provider'], pricing: 'pricing.yaml' })
    expect(err).toBeInstanceOf(PricingError)
    expect((err as PricingError).code).toBe('PRICING_UNKNOWN_KEY')
    expect((err as PricingError).badInput).toBe(true)
    expect((err as PricingError).details.key).toBe('cpuu')
  })
})

describe('parseMaxPrice', () => {
  it('reads uact per block, with or without the denom', () => {
    expect(parseMaxPrice('1000')).toEqual({ denom: 'uact', amount: 1_000_000_000n })
    expect(parseMaxPrice('1000uact')).toEqual({ denom: 'uact', amount: 1_000_000_000n })
    expect(parseMaxPrice(' 12 uact ')).toEqual({ denom: 'uact', amount: 12_000_000n })
    expect(parseMaxPrice('0.5')).toEqual({ denom: 'uact', amount: 500_000n })
    expect(parseMaxPrice('0.000001')).toEqual({ denom: 'uact', amount: 1n })
    // finer than the wire's 10^-6 uact is rounded down
    expect(parseMaxPrice('1.0000019')).toEqual({ denom: 'uact', amount: 1_000_001n })
  })

  it('refuses anything else with BAD_MAX_PRICE (bad input)', () => {
    for (const s of ['abc', '', ' ', '-1', '1e3', '1,000', '1000akt', '1000 usd', 'uact', '.5', '1.', '0', '0.0', '0.0000001', '1'.repeat(21), '1.' + '1'.repeat(19), '0x10']) {
      let err: unknown
      try { parseMaxPrice(s) } catch (e) { err = e }
      expect(err, JSON.stringify(s)).toBeInstanceOf(MarketServiceError)
      expect((err as MarketServiceError).code).toBe('BAD_MAX_PRICE')
      expect((err as MarketServiceError).badInput).toBe(true)
    }
  })
})
