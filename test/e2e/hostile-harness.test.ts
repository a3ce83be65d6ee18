import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GossipView, LeaseView, OrderView } from '../../src/api/index.js'
import { NodeKey } from '../../src/identity/index.js'
import { buildOrderBody, orderIdOfMessage } from '../../src/market/index.js'
import { STORE_FILE_NAME } from '../../src/node/store.js'
import { parseSdl } from '../../src/sdl/index.js'
import { toHex } from '../../src/util/bytes.js'
import { Topic, type Bodies } from '../../src/wire/index.js'
import { HostileNode, type FloodResult } from '../helpers/hostile.js'
import { apiLatency, deploy, expectAgreement, loadAverage, rssBytes, startHonestMesh, startLatencyProbe, watchOrders, type HonestMesh, type HonestNode, type LatencyStats } from '../helpers/hostile-mesh.js'
import { waitFor } from '../helpers/mesh.js'

/**
 * The hostile-node harness proves itself: a HostileNode (test/helpers/hostile.ts) against an
 * honest CLI mesh (test/helpers/hostile-mesh.ts), every process on 127.0.0.1, every test bounded
 * in time, everything stopped in afterAll/finally.
 */

const REDIS_SDL = readFileSync(new URL('../fixtures/sdl/corpus/redis__deploy.yaml', import.meta.url), 'utf8')
// The same deployment placed where no provider is (an attribute nobody announces): providers
// answer NoBid and hold no capacity, so hostile orders never crowd out the tests' own.
const NOWHERE_SDL = REDIS_SDL.replace('    dcloud:\n      pricing:', '    dcloud:\n      attributes:\n        hostile-test: nowhere\n      pricing:')

/** A well-formed Order body of this network, as an honest tenant would build it. */
function orderBody (networkId: string, dseq: number, windows = { commitWindowMs: 2000, revealWindowMs: 3000 }): Bodies['Order'] {
  const sdl = parseSdl(NOWHERE_SDL)
  const group = sdl.groups[0]
  if (group === undefined) throw new Error('the SDL has no group')
  return buildOrderBody({ net: networkId, now: Date.now(), dseq, gseq: 1, group, manifestHash: sdl.manifestHash, windows, sealSeedHash: new Uint8Array(32) })
}

/**
 * When the node stored each message of an order (ms, the node's own clock), read-only from its
 * store. The market stamps a message while validating it, before gossip forwards it, so on one
 * machine (one clock) a node that got a message only through another node stamps it later.
 */
function arrivals (node: HonestNode, orderId: string): Map<string, number> {
  const db = new Database(join(node.dataDir, STORE_FILE_NAME), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('SELECT id, received_at FROM messages WHERE order_id = ?').all(orderId) as Array<{ id: string, received_at: number }>
    return new Map(rows.map((r) => [r.id, r.received_at]))
  } finally {
    db.close()
  }
}

/**
 * How long an honest node's API may take to answer while it is attacked. Generous on purpose:
 * the machine is shared (load averages of 10 to 15 on 2 cores were seen while writing these
 * tests, and then an idle node's /status took up to 1 s); a node that blocks on what the hostile
 * sends misses the bound by far more.
 */
const API_BOUND_MS = 5_000

const RESOURCE_KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'] as const
function resourceCounts (): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(RESOURCE_KINDS.map((k) => [k, 0]))
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r] = (out[r] ?? 0) + 1
  return out
}

describe('HostileNode on its own (no honest mesh)', () => {
  it('refuses peers it was not told about, serves and requests raw frames, and stop() leaves no socket or timer behind', async () => {
    const before = resourceCounts()
    const net = { networkId: 'hostile-selftest' }
    const a = await HostileNode.start({ ...net, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const b = await HostileNode.start(net)
    const c = await HostileNode.start(net)
    try {
      const addr = `${a.libp2p.getMultiaddrs().find((m) => m.toString().includes('/tcp/'))?.toString() ?? ''}`
      expect(addr).toContain(`/p2p/${a.peerId}`)
      a.allow(b.peerId)
      await b.connect(addr, { waitForTopics: [] })
      // c was not named by a: a's gater drops the connection once c's identity is known (c's
      // dial may still resolve first: the muxer is negotiated optimistically)
      await c.connect(addr, { timeoutMs: 5_000, waitForTopics: [] }).catch(() => undefined)
      await waitFor('a refused c', () => c.connectedPeers().length === 0 && a.connectedPeers().join() === b.peerId, 5_000, 50)

      // answers with anything: a frame larger than the client accepts, garbage, raw bytes
      const proto = a.protocol('garbage')
      await a.serveRaw(proto, function * (req) { yield req; yield new Uint8Array(200_000).fill(7) })
      const echoed = await b.requestRaw(a.peerId, proto, new Uint8Array([1, 2, 3]), { maxItemBytes: 100_000 })
      expect(echoed.frames[0]).toEqual(new Uint8Array([1, 2, 3]))
      expect(echoed.end).toBe('error') // the 200 kB frame is over the client's limit
      const rawProto = a.protocol('raw')
      // a length prefix promising 1 GiB, then nothing: the bytes go out as they are
      await a.serveRaw(rawProto, () => [new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04])], { framing: 'raw' })
      const raw = await b.requestRaw(a.peerId, rawProto, new Uint8Array([0xff]), { framing: 'raw' })
      expect(raw.end).toBe('closed')
      expect(Buffer.concat(raw.frames)).toEqual(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04]))
      // an unanswered request ends at its deadline, not later
      await a.serveRaw(a.protocol('silent'), async function * (_req, _from, signal) { await sleep(10_000, undefined, { signal }) }, { timeoutMs: 10_000 })
      const silent = await b.requestRaw(a.peerId, a.protocol('silent'), new Uint8Array([1]), { timeoutMs: 500 })
      expect(silent.end).toBe('timeout')
      expect(silent.ms).toBeLessThan(3_000)

      // signRaw is the same envelope signMessage builds, for a body the schema accepts
      const k = await NodeKey.generate()
      const body: Bodies['BidCommit'] = { net: net.networkId, createdAt: 1, orderId: new Uint8Array(32), commitment: new Uint8Array(32).fill(1) }
      expect(b.signRaw(k, 'BidCommit', b.encode(body))).toEqual(b.sign(k, 'BidCommit', body).bytes)

      // a flood is bounded by count and by rate
      const f = await b.flood({ topic: b.topic(Topic.bids), make: (i) => new Uint8Array([i & 0xff, i >> 8, 1]), count: 40, ratePerSec: 100 })
      expect(f.sent).toBe(40)
      expect(f.durationMs).toBeGreaterThanOrEqual(350)
      expect(f.durationMs).toBeLessThan(3_000)
      await waitFor('a got the flood', () => a.received(a.topic(Topic.bids)).length === 40, 5_000, 50)
      expect(a.received()[0]?.from).toBe(b.peerId)
      // and stops at once when asked
      const ac = new AbortController()
      const cut = b.flood({ topic: b.topic(Topic.bids), make: (i) => new Uint8Array([i & 0xff, i >> 8, 2]), count: 1_000, ratePerSec: 50, signal: ac.signal })
      setTimeout(() => { ac.abort() }, 200)
      const r = await cut
      expect(r.cut).toBe(true)
      expect(r.sent).toBeLessThan(30)
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()])
    }
    // libp2p lets go of its last timers about a second after stop (docs/mesh.md, trap 10)
    await waitFor('sockets and timers released', () => {
      const now = resourceCounts()
      return RESOURCE_KINDS.every((k) => (now[k] ?? 0) <= (before[k] ?? 0)) ? true : undefined
    }, 10_000, 100).catch((err: unknown) => { throw new Error(`${(err as Error).message}: before ${JSON.stringify(before)}, now ${JSON.stringify(resourceCounts())}`) })
  }, 30_000)
})

describe('a hostile node against an honest mesh of 4 CLI processes', () => {
  let mesh: HonestMesh
  const hostiles: HostileNode[] = []
  const hostile = async (): Promise<HostileNode> => {
    const h = await HostileNode.start(mesh.network)
    hostiles.push(h)
    return h
  }
  let firstOrderId = ''

  beforeAll(async () => {
    mesh = await startHonestMesh({ providers: [{ name: 'p1', cpuUsdPerMonth: '1.00' }, { name: 'p2', cpuUsdPerMonth: '2.00' }] })
  }, 120_000)

  afterAll(async () => {
    await Promise.all(hostiles.map(async (h) => { await h.stop() }))
    await mesh?.stop()
  }, 30_000)

  it('(a) a valid Order signed with the hostile\'s own key, sent to one provider, reaches every honest node', async () => {
    const h = await hostile()
    const p1 = mesh.node('p1')
    await h.connect(p1.tcpAddr)
    expect(h.connectedPeers()).toEqual([p1.peerId])
    const order = h.sign(h.identity, 'Order', orderBody(mesh.network.networkId, Date.now()))
    const id = toHex(orderIdOfMessage(order))
    const { recipients } = await h.publish(order)
    expect(recipients).toEqual([p1.peerId])

    for (const n of mesh.nodes) {
      await waitFor(`${n.name} has the order`, async () => (await n.get<OrderView>(`/orders/${id}`)).orderId === id, 10_000, 100)
    }
    const agreed = await expectAgreement(mesh.nodes, { orderIds: [id] })
    expect(agreed.get(id)?.order?.tenant).toBe(h.peerId)
    // relayed onward: every other honest node got it through p1, never from the hostile
    expect(h.connectedPeers()).toEqual([p1.peerId])
    firstOrderId = id

    // any timing: an order signed an hour ahead is dropped (IGNORE, FROM_FUTURE) and goes no further
    const future = h.sign(h.identity, 'Order', { ...orderBody(mesh.network.networkId, Date.now() + 1), createdAt: Date.now() + 3_600_000 })
    expect((await h.publish(future)).recipients).toEqual([p1.peerId])
    await waitFor('p1 ignored it', async () => (await p1.get<GossipView>('/gossip')).codes.some((c) => c.code === 'FROM_FUTURE' && c.outcome === 'ignore'), 10_000, 100)
    expect((await p1.get<{ orders: OrderView[] }>('/orders')).orders.map((o) => o.orderId)).not.toContain(toHex(orderIdOfMessage(future)))
  }, 30_000)

  it('(b) two hostile identities, one market key, each talking to a different honest node: who saw what first', async () => {
    const key = await NodeKey.generate() // the market signer, neither hostile's libp2p identity
    const [a, b] = [await hostile(), await hostile()]
    const x = mesh.node('p1')
    const y = mesh.tenant as HonestNode
    await a.connect(x.tcpAddr)
    await b.connect(y.tcpAddr)
    // each hostile also listens: in its honest peer's mesh, it is sent what that peer forwards
    await Promise.all([a.waitForMesh([a.topicOf('Order')]), b.waitForMesh([b.topicOf('Order')])])
    expect(new Set([a.peerId, b.peerId, key.accountId]).size).toBe(3)
    const watches = await Promise.all(mesh.nodes.map(async (n) => await watchOrders(n)))
    try {
      const now = Date.now()
      const o1 = a.sign(key, 'Order', orderBody(mesh.network.networkId, now))
      const o2 = b.sign(key, 'Order', orderBody(mesh.network.networkId, now + 1))
      const [r1, r2] = await Promise.all([a.publish(o1), b.publish(o2)])
      expect(r1.recipients).toEqual([x.peerId])
      expect(r2.recipients).toEqual([y.peerId])
      const [id1, id2] = [toHex(orderIdOfMessage(o1)), toHex(orderIdOfMessage(o2))]
      for (const n of mesh.nodes) {
        for (const id of [id1, id2]) await waitFor(`${n.name} has ${id.slice(0, 12)}`, async () => (await n.get<OrderView>(`/orders/${id}`)).orderId === id, 15_000, 100)
      }

      // stored-at times (one clock): the node a message was sent to has it first, the rest later
      const stamp = (n: HonestNode, orderId: string, msgId: Uint8Array): number => arrivals(n, orderId).get(toHex(msgId)) ?? Infinity
      const t1 = mesh.nodes.map((n) => ({ n: n.name, at: stamp(n, id1, o1.id) }))
      const t2 = mesh.nodes.map((n) => ({ n: n.name, at: stamp(n, id2, o2.id) }))
      expect(Math.min(...t1.map((t) => t.at))).toBe(stamp(x, id1, o1.id))
      expect(Math.min(...t2.map((t) => t.at))).toBe(stamp(y, id2, o2.id))
      for (const t of [...t1, ...t2]) expect(t.at).toBeLessThan(Infinity)
      // the event streams tell the same story, to the test process's clock (reported, not asserted:
      // an event is emitted after the message was forwarded)
      const seen = mesh.nodes.map((n, i) => `${n.name} o1 +${(watches[i]?.firstSeen.get(id1) ?? NaN) - now} ms, o2 +${(watches[i]?.firstSeen.get(id2) ?? NaN) - now} ms`)
      console.log(`(b) stored at: o1 ${JSON.stringify(t1.map((t) => `${t.n}+${t.at - now}`))}, o2 ${JSON.stringify(t2.map((t) => `${t.n}+${t.at - now}`))}; events: ${seen.join('; ')}`)

      // each hostile heard the other's order only from the honest node it talks to
      await waitFor('a hears o2 from x', () => a.received(a.topicOf('Order')).some((m) => m.from === x.peerId && Buffer.from(m.bytes).equals(Buffer.from(o2.bytes))), 10_000, 50)
      await waitFor('b hears o1 from y', () => b.received(b.topicOf('Order')).some((m) => m.from === y.peerId && Buffer.from(m.bytes).equals(Buffer.from(o1.bytes))), 10_000, 50)
      const agreed = await expectAgreement(mesh.nodes, { orderIds: [id1, id2] })
      expect(agreed.get(id1)?.order?.tenant).toBe(key.accountId)
      expect(agreed.get(id2)?.order?.tenant).toBe(key.accountId)
    } finally {
      await Promise.all(watches.map(async (w) => { await w.stop() }))
    }
  }, 40_000)

  it('(c) malformed and oversized sync requests get nothing, and the node\'s API keeps answering', async () => {
    const h = await hostile()
    const target = mesh.tenant as HonestNode
    await h.connect(target.tcpAddr)
    const sync = h.protocol('sync')
    const id = firstOrderId === '' ? toHex(randomBytes(32)) : firstOrderId

    // the API is polled all along, from another process: every answer within the bound
    const probe = startLatencyProbe([target], { everyMs: 100, timeoutMs: API_BOUND_MS })
    let api: LatencyStats | undefined
    try {
      // sanity: a well-formed request is answered (the requester works)
      const good = await h.requestRaw(target.peerId, sync, h.encode({ orderId: Buffer.from(id, 'hex') }), { maxItemBytes: 64 * 1024 })
      expect(good.end).toBe('closed')
      if (firstOrderId !== '') expect(good.frames.length).toBeGreaterThan(0)
      // not malformed, but worth a figure: a few bytes ask for every message of the last orders
      const everything = await h.requestRaw(target.peerId, sync, h.encode({ since: 0 }), { maxItemBytes: 64 * 1024 })

      const lpMalformed: Record<string, Uint8Array> = {
        garbage: randomBytes(64),
        empty: new Uint8Array(0),
        'cbor text': h.encode('orderId'),
        'cbor list': h.encode([Buffer.from(id, 'hex')]),
        'orderId 31 bytes': h.encode({ orderId: randomBytes(31) }),
        'orderId as text': h.encode({ orderId: id }),
        'extra key': h.encode({ orderId: Buffer.from(id, 'hex'), more: 1 }),
        'since negative': h.encode({ since: -1 }),
        'since text': h.encode({ since: '0' }),
        'since and orderId': h.encode({ since: 0, orderId: Buffer.from(id, 'hex') }),
        'truncated cbor': h.encode({ orderId: Buffer.from(id, 'hex') }).subarray(0, 20),
        'trailing bytes': Buffer.concat([h.encode({ orderId: Buffer.from(id, 'hex') }), Buffer.from([0])])
      }
      for (const [what, bytes] of Object.entries(lpMalformed)) {
        const r = await h.requestRaw(target.peerId, sync, bytes, { timeoutMs: 5_000 })
        expect(r.frames, what).toEqual([])
        expect(r.end, what).not.toBe('timeout')
      }
      const oversized: Record<string, Uint8Array> = {
        '257 bytes': h.encode({ orderId: randomBytes(250) }),
        '64 KiB': randomBytes(64 * 1024),
        '1 MiB': randomBytes(1024 * 1024)
      }
      for (const [what, bytes] of Object.entries(oversized)) {
        expect(bytes.length, what).toBeGreaterThan(256)
        const r = await h.requestRaw(target.peerId, sync, bytes, { timeoutMs: 5_000 })
        expect(r.frames, what).toEqual([])
        expect(r.end, what).not.toBe('timeout')
      }
      const rawMalformed: Record<string, { bytes: Uint8Array, holdWriteMs?: number }> = {
        'length prefix of 1 GiB, no data': { bytes: new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x04]) },
        'unterminated varint': { bytes: new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) },
        'plain text': { bytes: Buffer.from('GET / HTTP/1.1\r\n\r\n') },
        // promises 100 bytes, sends 10, then stays silent: the server's 3 s deadline ends it
        'slow client': { bytes: new Uint8Array([100, ...randomBytes(10)]), holdWriteMs: 6_000 }
      }
      const slow: number[] = []
      for (const [what, { bytes, holdWriteMs }] of Object.entries(rawMalformed)) {
        const r = await h.requestRaw(target.peerId, sync, bytes, { framing: 'raw', timeoutMs: 8_000, ...(holdWriteMs !== undefined ? { holdWriteMs } : {}) })
        expect(r.bytes, what).toBe(0)
        if (holdWriteMs !== undefined) { slow.push(r.ms); expect(r.end, what).not.toBe('timeout') }
      }
      // 64 at once, twice the streams the server takes (32): none answered, none left hanging
      const burst = await Promise.all(Array.from({ length: 64 }, async () => await h.requestRaw(target.peerId, sync, randomBytes(300), { timeoutMs: 8_000 })))
      expect(burst.every((r) => r.frames.length === 0 && r.end !== 'timeout')).toBe(true)

      // still serving well-formed requests afterwards
      const again = await h.requestRaw(target.peerId, sync, h.encode({ orderId: Buffer.from(id, 'hex') }), { maxItemBytes: 64 * 1024 })
      expect(again.frames.length).toBe(good.frames.length)
      for (const ms of slow) expect(ms).toBeLessThan(5_000)
      api = (await probe.stop()).tenant
      console.log(`(c) load average ${loadAverage().join(' ')}; slow client cut after ${slow.join(', ')} ms; tenant API /status ${JSON.stringify(api)}; {since: 0} (${h.encode({ since: 0 }).length} bytes) answered ${everything.frames.length} frames, ${everything.bytes} bytes; burst ends ${JSON.stringify(Object.fromEntries([...new Set(burst.map((r) => r.end))].map((e) => [e, burst.filter((r) => r.end === e).length])))}`)
    } finally {
      await probe.stop()
    }
    expect(api?.samples).toBeGreaterThan(10)
    expect(api?.unanswered).toBe(0)
    expect(api?.maxMs).toBeLessThan(API_BOUND_MS)
    expect(await apiLatency(target, '/orders', API_BOUND_MS)).toBeLessThan(API_BOUND_MS)
  }, 60_000)
})

describe('(d) a BidCommit flood while the honest tenant deploys', () => {
  const COUNT = 5_000
  const RATE = 250
  let mesh: HonestMesh | undefined
  let h: HostileNode | undefined
  interface PerNode { node: string, rssBeforeMb: number, rssAfterMb: number, rssGrowthMb: number, cpuSeconds: number, storedMessages: number | undefined, bidsAccepted: number | undefined, cpuMsPerAccepted: number }
  /** what the scenario measured; the tests below judge it */
  let run: {
    flood: FloodResult | undefined
    baseline: Record<string, LatencyStats>
    duringFlood: Record<string, LatencyStats>
    deployError: string | undefined
    leasedAfterMs: number | undefined
    perNode: PerNode[]
  }

  // The scenario runs once, here: the hostile (connected to the relay only) publishes 5,000
  // BidCommits for random order ids, signed by one key, at 250/s; 3 s in, the tenant deploys
  // redis. A harness failure (the mesh does not start, the flood cannot be sent) fails this hook
  // and with it every test below, loudly.
  beforeAll(async () => {
    mesh = await startHonestMesh({
      providers: [{ name: 'cheap', cpuUsdPerMonth: '1.00' }, { name: 'dear', cpuUsdPerMonth: '3.00' }],
      commitWindowMs: 3000,
      revealWindowMs: 3000
    })
    const m = mesh
    const tenant = m.tenant as HonestNode
    h = await HostileNode.start(m.network)
    const hostile = h
    // Signed before the flood, so the rate is the publish rate and not the test process's
    // signing, and before connecting: seconds of signing block the test process, the relay's
    // pings to the hostile go unanswered and the relay hangs up.
    const floodKey = await NodeKey.generate()
    const createdAt = Date.now()
    const commits = Array.from({ length: COUNT }, () => hostile.sign(floodKey, 'BidCommit', { net: m.network.networkId, createdAt, orderId: randomBytes(32), commitment: randomBytes(32) }).bytes)
    await hostile.connect(m.relay.tcpAddr)

    // the probe works and the nodes answer before anything happens
    const base = startLatencyProbe(m.nodes, { everyMs: 200, timeoutMs: API_BOUND_MS })
    await sleep(3_000)
    const baseline = await base.stop()
    const loadBefore = loadAverage()
    const rssBefore = m.nodes.map((n) => rssBytes(n.pid) ?? NaN)
    const cpuBefore = m.nodes.map((n) => cpuSeconds(n.pid) ?? NaN)

    // every honest API polled twice a second during the flood and the deploy, from another process
    const probe = startLatencyProbe(m.nodes, { everyMs: 500, timeoutMs: API_BOUND_MS })
    let duringFlood: Record<string, LatencyStats> = {}
    const t0 = Date.now()
    const flood = hostile.flood({ topic: hostile.topicOf('BidCommit'), count: COUNT, ratePerSec: RATE, maxDurationMs: 60_000, make: (i) => commits[i] as Uint8Array })
    let leasedAfterMs: number | undefined
    let lease: LeaseView | undefined
    let deployError: string | undefined
    let deployAttempts = 0
    let deployTookMs: number | undefined
    let floodResult: FloodResult | undefined
    let recoveredAfterFloodMs: number | undefined
    let rssAfter: number[] = []
    let cpuAfter: number[] = []
    let bidsAccepted: Array<number | undefined> = []
    try {
      // the auction runs inside the flood
      await sleep(3_000)
      const deployedAt = Date.now()
      let orderId: string | undefined
      // the tenant's API may be too busy to take the deploy: try again for 20 s, and count it
      while (orderId === undefined && Date.now() - deployedAt < 20_000) {
        deployAttempts++
        try {
          orderId = (await deploy(tenant, REDIS_SDL))[0]
          deployError = undefined
        } catch (err) {
          deployError = (err as Error).message.slice(0, 200)
        }
      }
      if (orderId !== undefined) {
        deployTookMs = Date.now() - deployedAt
        const id = orderId
        lease = await waitFor('a lease', async () => {
          const o = await tenant.get<OrderView>(`/orders/${id}`)
          return o.lease?.state === 'active' ? o.lease : undefined
        }, Math.max(1_000, 60_000 - (Date.now() - deployedAt)), 250).catch(() => undefined)
        if (lease !== undefined) leasedAfterMs = Date.now() - deployedAt
      }
      floodResult = await flood
      const floodEnd = Date.now()
      await waitFor('every API answers again', async () => (await Promise.all(m.nodes.map(async (n) => await apiLatency(n, '/status', 1_000)))).every(Number.isFinite), 60_000, 250)
        .then(() => { recoveredAfterFloodMs = Date.now() - floodEnd }, () => undefined)
      rssAfter = m.nodes.map((n) => rssBytes(n.pid) ?? NaN)
      cpuAfter = m.nodes.map((n) => cpuSeconds(n.pid) ?? NaN)
      bidsAccepted = await Promise.all(m.nodes.map(async (n) => (await n.get<GossipView>('/gossip').catch(() => undefined))?.topics.bids?.accept))
    } finally {
      duringFlood = await probe.stop()
    }
    const mb = (b: number): number => Math.round(b / 1024 / 1024)
    const perNode = m.nodes.map((n, i): PerNode => {
      const cpu = (cpuAfter[i] ?? NaN) - (cpuBefore[i] ?? NaN)
      return {
        node: n.name,
        rssBeforeMb: mb(rssBefore[i] ?? NaN),
        rssAfterMb: mb(rssAfter[i] ?? NaN),
        rssGrowthMb: mb((rssAfter[i] ?? NaN) - (rssBefore[i] ?? NaN)),
        cpuSeconds: Math.round(cpu * 10) / 10,
        storedMessages: storedMessages(n),
        bidsAccepted: bidsAccepted[i],
        // what one accepted flood message cost this node (its CPU over the run, per message)
        cpuMsPerAccepted: Math.round((cpu * 1000 / Math.max(1, bidsAccepted[i] ?? NaN)) * 10) / 10
      }
    })
    run = { flood: floodResult, baseline, duringFlood, deployError, leasedAfterMs, perNode }
    console.log(`(d) figures: ${JSON.stringify({
      flood: floodResult,
      achievedRatePerSec: floodResult === undefined ? undefined : Math.round(floodResult.sent / (floodResult.durationMs / 1000)),
      wallMs: Date.now() - t0,
      loadAverage: { before: loadBefore, after: loadAverage() },
      deployError,
      deployAttempts,
      deployTookMs,
      leasedAfterMs: leasedAfterMs ?? 'no lease within 60 s',
      leaseProvider: lease === undefined ? undefined : lease.provider === m.node('cheap').peerId ? 'cheap' : lease.provider,
      recoveredAfterFloodMs: recoveredAfterFloodMs ?? 'not within 60 s',
      hostileStillConnectedToRelay: hostile.connectedPeers().includes(m.relay.peerId),
      perNode,
      apiBaseline: baseline,
      apiDuringFlood: duringFlood
    })}`)
  }, 240_000)

  afterAll(async () => {
    await h?.stop()
    await mesh?.stop()
  }, 30_000)

  it('the harness ran it: every message published at the rate, every API answering before', () => {
    expect(run.flood?.sent).toBe(COUNT)
    // every publish reached the relay (0 recipients: the hostile was not connected)
    expect(run.flood?.unsent).toBe(0)
    expect(run.flood?.cut).toBe(false)
    expect(run.flood?.durationMs).toBeLessThan((COUNT / RATE) * 1000 * 1.5)
    for (const [name, a] of Object.entries(run.baseline)) expect(a.unanswered, name).toBe(0)
  })

  // A commit for an order nobody knows is parked within its signer's quota (64), stored, and
  // neither relayed nor fanned out into syncs (docs/market.md), so a flood from one key stops at
  // the first node and costs the others nothing. One test for the three criteria on purpose: how
  // much of the flood a node gets through depends on the machine's load, and RSS with it.
  it(`the fixed node: the deploy leases within 60 s, RSS grows < 100 MB, every API answers within ${API_BOUND_MS / 1000} s`, () => {
    const unmet: string[] = []
    if (run.deployError !== undefined) unmet.push(`deploy failed: ${run.deployError}`)
    if (run.leasedAfterMs === undefined || run.leasedAfterMs >= 60_000) unmet.push('no lease within 60 s')
    for (const n of run.perNode) if (!(n.rssGrowthMb < 100)) unmet.push(`${n.node} RSS grew ${n.rssGrowthMb} MB`)
    for (const [name, a] of Object.entries(run.duringFlood)) {
      if (a.samples === 0 || a.unanswered > 0 || a.maxMs >= API_BOUND_MS) unmet.push(`${name} API: ${a.unanswered} of ${a.samples} polls unanswered, slowest ${a.maxMs} ms`)
    }
    console.log(`(d) unmet: ${unmet.length === 0 ? 'none' : unmet.join('; ')}`)
    expect(unmet).toEqual([])
  })
})

/** CPU time (user + system) a process used so far, in seconds; undefined when it is gone. */
function cpuSeconds (pid: number): number | undefined {
  try {
    // fields after the command name (which may hold spaces, hence from the last ')')
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined
  }
}

/** How many messages a node's store holds (read-only, as arrivals() reads it). */
function storedMessages (node: HonestNode): number | undefined {
  try {
    const db = new Database(join(node.dataDir, STORE_FILE_NAME), { readonly: true, fileMustExist: true })
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n
    } finally {
      db.close()
    }
  } catch {
    return undefined
  }
}
