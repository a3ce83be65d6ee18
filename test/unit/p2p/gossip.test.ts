import type { PubSub } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { GossipService, P2pError, outcomeOfError, type GossipContext } from '../../../src/p2p/index.js'
import { ManualClock, systemClock } from '../../../src/util/clock.js'
import { RuntimeError, UsageError } from '../../../src/util/errors.js'
import { silentLogger } from '../../../src/util/logger.js'
import { Topic, WIRE_LIMITS, WireError, signMessage, topicName, type AnySignedMessage, type BidCommitBody } from '../../../src/wire/index.js'
import { waitFor } from '../../helpers/mesh.js'
import { TEST_NET, announce, connect, flipSignatureByte, testMeshNode, type TestNode } from './helpers.js'

const SKEW = 1_000

/** validate() must not touch pubsub: any access to this object fails the test. */
function untouchablePubsub (): PubSub {
  return new Proxy({}, { get: (_t, p) => { throw new Error(`validate touched pubsub.${String(p)}`) } }) as PubSub
}

function bidCommit (key: NodeKey, over: Partial<BidCommitBody> = {}): AnySignedMessage {
  return signMessage(key, 'BidCommit', { net: TEST_NET.networkId, createdAt: Date.now(), orderId: new Uint8Array(32).fill(1), commitment: new Uint8Array(32).fill(2), ...over })
}

const opts = { networkId: TEST_NET.networkId, protocolPrefix: TEST_NET.protocolPrefix, maxClockSkewMs: SKEW }

describe('outcomeOfError: the one mapping from a thrown value to a gossip outcome', () => {
  it('a typed error keeps its code; its action picks ignore or reject', () => {
    expect(outcomeOfError(new P2pError('BAD_ANNOUNCE', 'x'))).toEqual({ outcome: 'reject', code: 'BAD_ANNOUNCE' })
    expect(outcomeOfError(new P2pError('STALE_ANNOUNCE', 'x', { action: 'IGNORE' }))).toEqual({ outcome: 'ignore', code: 'STALE_ANNOUNCE' })
    expect(outcomeOfError(new WireError('BAD_SIGNATURE', 'x'))).toEqual({ outcome: 'reject', code: 'BAD_SIGNATURE' })
    expect(outcomeOfError(new WireError('FROM_FUTURE', 'x', { action: 'IGNORE' }))).toEqual({ outcome: 'ignore', code: 'FROM_FUTURE' })
    // our own run-time failures are IGNORE by construction
    expect(outcomeOfError(new RuntimeError('IO', 'disk full'))).toEqual({ outcome: 'ignore', code: 'IO' })
    expect(outcomeOfError(new UsageError('BAD_ARGUMENT', 'x'))).toEqual({ outcome: 'reject', code: 'BAD_ARGUMENT' })
  })

  it('anything that is not a typed error is ignore/INTERNAL: our own bug never punishes a peer', () => {
    for (const thrown of [new Error('bug'), new TypeError('x is undefined'), 'a string', undefined, null, 42, { code: 'BAD_SIGNATURE', action: 'REJECT' }]) {
      expect(outcomeOfError(thrown)).toEqual({ outcome: 'ignore', code: 'INTERNAL' })
    }
  })
})

describe('GossipService.validate (no libp2p)', () => {
  const clock = new ManualClock(1_700_000_000_000)
  let key: NodeKey
  let gossip: GossipService
  beforeAll(async () => {
    key = await NodeKey.generate()
  })
  const fresh = (): GossipService => new GossipService(opts, { pubsub: untouchablePubsub(), clock, logger: silentLogger })
  const valid = (over: Parameters<typeof announce>[1] = {}): AnySignedMessage => announce(key, { createdAt: clock.now(), ...over })

  it('accepts a valid envelope on its topic and returns the decoded message', async () => {
    gossip = fresh()
    const msg = valid()
    const r = await gossip.validate(Topic.providers, msg.bytes, { from: 'peer' })
    expect(r.outcome).toBe('accept')
    if (r.outcome !== 'accept') throw new Error('unreachable')
    expect(r.msg.type).toBe('ProviderAnnounce')
    expect(Buffer.from(r.msg.id).equals(Buffer.from(msg.id))).toBe(true)
    expect(r.msg.body).toEqual(msg.body)
  })

  it('a flipped signature byte: reject BAD_SIGNATURE', async () => {
    const r = await fresh().validate(Topic.providers, flipSignatureByte(valid().bytes), { from: 'peer' })
    expect(r).toMatchObject({ outcome: 'reject', code: 'BAD_SIGNATURE' })
  })

  it('garbage, empty and oversized data: reject with the wire code', async () => {
    const g = fresh()
    expect(await g.validate(Topic.providers, new Uint8Array([1, 2, 3]), { from: 'p' })).toMatchObject({ outcome: 'reject', code: 'MALFORMED_CBOR' })
    expect(await g.validate(Topic.providers, new Uint8Array(0), { from: 'p' })).toMatchObject({ outcome: 'reject', code: 'MALFORMED_CBOR' })
    expect(await g.validate(Topic.providers, new Uint8Array(WIRE_LIMITS.maxEnvelopeBytes + 1), { from: 'p' })).toMatchObject({ outcome: 'reject', code: 'TOO_LARGE' })
  })

  it('a message type on another type\'s topic: reject WRONG_TOPIC', async () => {
    const g = fresh()
    expect(await g.validate(Topic.orders, valid().bytes, { from: 'p' })).toMatchObject({ outcome: 'reject', code: 'WRONG_TOPIC' })
    const commit = bidCommit(key, { createdAt: clock.now() })
    expect(await g.validate(Topic.providers, commit.bytes, { from: 'p' })).toMatchObject({ outcome: 'reject', code: 'WRONG_TOPIC' })
    expect(await g.validate(Topic.bids, commit.bytes, { from: 'p' })).toMatchObject({ outcome: 'accept' })
  })

  it('a message of another network: reject WRONG_NETWORK', async () => {
    const r = await fresh().validate(Topic.providers, valid({ net: 'another-net' }).bytes, { from: 'p' })
    expect(r).toMatchObject({ outcome: 'reject', code: 'WRONG_NETWORK' })
  })

  it('from the future beyond the allowed skew: ignore FROM_FUTURE; at the edge of the skew: accept', async () => {
    const g = fresh()
    expect(await g.validate(Topic.providers, valid({ createdAt: clock.now() + SKEW + 1 }).bytes, { from: 'p' })).toMatchObject({ outcome: 'ignore', code: 'FROM_FUTURE' })
    expect(await g.validate(Topic.providers, valid({ createdAt: clock.now() + SKEW }).bytes, { from: 'p' })).toMatchObject({ outcome: 'accept' })
  })

  it('registered validators run with the forwarding peer, only for their type, and map their typed errors', async () => {
    const g = fresh()
    const seen: Array<[string, GossipContext]> = []
    let verdict: Error | undefined
    g.registerValidator('ProviderAnnounce', (msg, ctx) => {
      seen.push([msg.type, ctx])
      if (verdict !== undefined) throw verdict
    })
    g.registerValidator('BidCommit', () => { throw new Error('must not run for announces') })
    const bytes = valid().bytes

    expect(await g.validate(Topic.providers, bytes, { from: 'peer-a' })).toMatchObject({ outcome: 'accept' })
    expect(seen).toEqual([['ProviderAnnounce', { from: 'peer-a' }]])

    verdict = new P2pError('STALE_ANNOUNCE', 'old', { action: 'IGNORE' })
    const ignored = await g.validate(Topic.providers, bytes, { from: 'peer-a' })
    expect(ignored).toMatchObject({ outcome: 'ignore', code: 'STALE_ANNOUNCE' })
    if (ignored.outcome !== 'accept') expect(ignored.error).toBe(verdict)

    verdict = new P2pError('BAD_ANNOUNCE', 'garbage')
    expect(await g.validate(Topic.providers, bytes, { from: 'peer-a' })).toMatchObject({ outcome: 'reject', code: 'BAD_ANNOUNCE' })
  })

  it('a validator throwing a plain Error (or anything untyped), sync or async, maps to ignore/INTERNAL', async () => {
    const g = fresh()
    let mode: 'sync' | 'async' | 'string' = 'sync'
    g.registerValidator('ProviderAnnounce', async () => {
      if (mode === 'string') throw 'not an error'
      if (mode === 'async') await Promise.reject(new TypeError('cannot read x of undefined'))
      throw new Error('bug in our validator')
    })
    for (const m of ['sync', 'async', 'string'] as const) {
      mode = m
      expect(await g.validate(Topic.providers, valid().bytes, { from: 'p' })).toMatchObject({ outcome: 'ignore', code: 'INTERNAL' })
    }
  })

  it('validators do not run for a message that already failed the envelope checks', async () => {
    const g = fresh()
    let calls = 0
    g.registerValidator('ProviderAnnounce', () => { calls++ })
    await g.validate(Topic.providers, flipSignatureByte(valid().bytes), { from: 'p' })
    await g.validate(Topic.providers, valid({ net: 'another-net' }).bytes, { from: 'p' })
    await g.validate(Topic.orders, valid().bytes, { from: 'p' })
    expect(calls).toBe(0)
  })

  it('the function registerValidator returns unregisters the validator', async () => {
    const g = fresh()
    const off = g.registerValidator('ProviderAnnounce', () => { throw new P2pError('BAD_ANNOUNCE', 'no') })
    expect((await g.validate(Topic.providers, valid().bytes, { from: 'p' })).outcome).toBe('reject')
    off()
    expect((await g.validate(Topic.providers, valid().bytes, { from: 'p' })).outcome).toBe('accept')
  })

  it('topic names are namespaced by prefix, network id and protocol version', () => {
    const g = fresh()
    expect(g.topic(Topic.providers)).toBe(`/skymesh/${TEST_NET.networkId}/2/providers`)
    expect(g.topic(Topic.orders)).toBe(topicName('skymesh', TEST_NET.networkId, Topic.orders))
  })
})

describe('GossipService over two real libp2p nodes', () => {
  let a: TestNode
  let b: TestNode
  let ga: GossipService
  let gb: GossipService
  const gotA: Array<{ msg: AnySignedMessage, local: boolean, from: string }> = []
  const gotB: Array<{ msg: AnySignedMessage, local: boolean, from: string }> = []

  beforeAll(async () => {
    ;[a, b] = await Promise.all([testMeshNode(), testMeshNode()])
    ga = new GossipService(opts, { pubsub: a.libp2p.services.pubsub, clock: systemClock, logger: silentLogger })
    gb = new GossipService(opts, { pubsub: b.libp2p.services.pubsub, clock: systemClock, logger: silentLogger })
    for (const [g, got] of [[ga, gotA], [gb, gotB]] as const) {
      g.onMessage('ProviderAnnounce', (msg, ctx) => { got.push({ msg, ...ctx }) })
      g.onMessage('BidCommit', (msg, ctx) => { got.push({ msg, ...ctx }) })
      g.start()
    }
    await connect(a, b)
    const topic = ga.topic(Topic.providers)
    await waitFor('each node sees the other subscribed', () =>
      a.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(b.key.peerId)) &&
      b.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(a.key.peerId)), 10_000, 20)
  }, 20_000)

  afterAll(async () => {
    ga?.stop()
    gb?.stop()
    await Promise.all([a?.libp2p.stop(), b?.libp2p.stop()])
  }, 20_000)

  it('start() subscribes to every namespaced topic and installs one validator per topic', () => {
    const topics = a.libp2p.services.pubsub.getTopics().sort()
    expect(topics).toEqual([Topic.auction, Topic.bids, Topic.leases, Topic.orders, Topic.providers].map((t) => ga.topic(t)).sort())
    for (const t of topics) expect(a.libp2p.services.pubsub.topicValidators.has(t)).toBe(true)
  })

  it('publish() refuses an invalid message: it throws PUBLISH_FAILED with the code, and nothing is delivered or sent', async () => {
    const off = ga.registerValidator('ProviderAnnounce', () => { throw new P2pError('BAD_ANNOUNCE', 'refused') })
    const before = ga.counterSnapshot().topics.providers
    try {
      const err = await ga.publish(announce(a.key, { seq: 1 })).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(P2pError)
      expect((err as P2pError).code).toBe('PUBLISH_FAILED')
      expect((err as P2pError).details.code).toBe('BAD_ANNOUNCE')
      expect((err as P2pError).badInput).toBe(false)
    } finally {
      off()
    }
    const other = await ga.publish(announce(a.key, { net: 'another-net' })).then(() => undefined, (e: unknown) => e)
    expect((other as P2pError).details.code).toBe('WRONG_NETWORK')
    expect(ga.counterSnapshot().topics.providers).toEqual(before)
    expect(gotA).toEqual([])
  })

  it('publish() delivers a valid message to local handlers (local, from self) and to the peer (from the sender)', async () => {
    const msg = announce(a.key, { seq: 10 })
    const res = await ga.publish(msg)
    expect(res.recipients).toBe(1)
    expect(gotA.map((g) => [g.msg.type, g.local, g.from])).toEqual([['ProviderAnnounce', true, 'self']])
    await waitFor('b received the announce', () => gotB.length === 1, 10_000, 20)
    expect(gotB[0]?.local).toBe(false)
    expect(gotB[0]?.from).toBe(a.key.accountId)
    expect(Buffer.from(gotB[0]?.msg.id ?? []).equals(Buffer.from(msg.id))).toBe(true)
  })

  it('counters count per topic and outcome, with one row per (topic, outcome, code)', async () => {
    // a's raw pubsub bypasses a's own validation: this is how a faulty peer would send
    const raw = async (t: Topic, data: Uint8Array): Promise<void> => { await a.libp2p.services.pubsub.publish(ga.topic(t), data) }
    await raw(Topic.bids, bidCommit(a.key).bytes)
    await raw(Topic.providers, announce(a.key, { seq: 11, createdAt: Date.now() + 60_000 }).bytes)
    await raw(Topic.providers, flipSignatureByte(announce(a.key, { seq: 12 }).bytes))
    await raw(Topic.providers, bidCommit(a.key, { createdAt: Date.now() + 1 }).bytes)
    await ga.publish(announce(a.key, { seq: 13 }))

    const expected = { accept: 2, ignore: 1, reject: 2, delivered: 2 }
    await waitFor('b counted every message', () => {
      const p = gb.counterSnapshot().topics.providers
      return p?.accept === expected.accept && p.ignore === expected.ignore && p.reject === expected.reject
    }, 10_000, 20)
    const snap = gb.counterSnapshot()
    expect(snap.topics.providers).toEqual({ ...expected, published: 0, dropped: 0 })
    expect(snap.topics.bids).toEqual({ accept: 1, ignore: 0, reject: 0, published: 0, delivered: 1, dropped: 0 })
    expect(snap.topics.orders).toEqual({ accept: 0, ignore: 0, reject: 0, published: 0, delivered: 0, dropped: 0 })
    expect(snap.codes).toEqual([
      { topic: 'providers', outcome: 'ignore', code: 'FROM_FUTURE', count: 1 },
      { topic: 'providers', outcome: 'reject', code: 'BAD_SIGNATURE', count: 1 },
      { topic: 'providers', outcome: 'reject', code: 'WRONG_TOPIC', count: 1 }
    ])
    // only validated messages reached b's handlers: the two announces and the commit
    expect(gotB.map((g) => g.msg.type).sort()).toEqual(['BidCommit', 'ProviderAnnounce', 'ProviderAnnounce'])
    // the sender's own publishes count as published and delivered, never as accept
    expect(ga.counterSnapshot().topics.providers).toMatchObject({ published: 2, delivered: 2, accept: 0 })
    // the rejects cost the sender gossip score (P4); the score is refreshed once a second
    await waitFor('a penalised on b', () => b.libp2p.services.pubsub.getScore(a.key.accountId) < 0, 5_000, 50)
  })

  it('a handler that throws does not stop the other handlers', async () => {
    const seen: string[] = []
    const off1 = ga.onMessage('ProviderAnnounce', () => { throw new Error('handler bug') })
    const off2 = ga.onMessage('ProviderAnnounce', () => { seen.push('second') })
    try {
      await ga.publish(announce(a.key, { seq: 20 }))
    } finally {
      off1(); off2()
    }
    expect(seen).toEqual(['second'])
  })

  it('stop() unsubscribes and removes the validators', async () => {
    const c = await testMeshNode()
    try {
      const g = new GossipService(opts, { pubsub: c.libp2p.services.pubsub, clock: systemClock, logger: silentLogger })
      g.start()
      expect(c.libp2p.services.pubsub.getTopics()).toHaveLength(5)
      g.stop()
      expect(c.libp2p.services.pubsub.getTopics()).toEqual([])
      expect(c.libp2p.services.pubsub.topicValidators.size).toBe(0)
    } finally {
      await c.libp2p.stop()
    }
  })
})

describe('GossipService back-pressure', () => {
  it('with maxPendingHandlers async handler calls in flight, further deliveries are dropped and counted', async () => {
    const c = await testMeshNode()
    const releases: Array<() => void> = []
    try {
      const g = new GossipService({ ...opts, maxPendingHandlers: 1 }, { pubsub: c.libp2p.services.pubsub, clock: systemClock, logger: silentLogger })
      let calls = 0
      g.onMessage('ProviderAnnounce', async () => {
        calls++
        await new Promise<void>((resolve) => releases.push(resolve))
      })
      g.start()
      await g.publish(announce(c.key, { seq: 1 }))
      await g.publish(announce(c.key, { seq: 2 }))
      expect(calls).toBe(1)
      expect(g.counterSnapshot().topics.providers).toMatchObject({ published: 2, delivered: 1, dropped: 1 })
      releases.shift()?.()
      await new Promise((resolve) => setImmediate(resolve))
      await g.publish(announce(c.key, { seq: 3 }))
      expect(calls).toBe(2)
      expect(g.counterSnapshot().topics.providers).toMatchObject({ published: 3, delivered: 2, dropped: 1 })
      g.stop()
    } finally {
      for (const r of releases) r()
      await c.libp2p.stop()
    }
  })
})
