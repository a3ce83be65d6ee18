import { setTimeout as sleep } from 'node:timers/promises'
import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import { TopicValidatorResult, type ConnectionGater, type Message, type PeerId, type Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import type { Uint8ArrayList } from 'uint8arraylist'
import { defaultConfig } from '../../src/config/index.js'
import { NodeKey } from '../../src/identity/index.js'
import { userAgentOf, type Role } from '../../src/node/roles.js'
import { skymeshVersion } from '../../src/node/version.js'
import {
  announceRecordSelector, announceRecordValidator, createMeshNode, providerRecordNamespace,
  type MeshLibp2p, type NetworkNames
} from '../../src/p2p/index.js'
import { writeEnvelope } from '../../src/wire/envelope.js'
import {
  ALL_TOPICS, TOPIC_OF, encodeCanonical, signMessage, topicName,
  type Bodies, type MessageType, type SignedMessage, type Topic
} from '../../src/wire/index.js'

/**
 * A hostile node for adversarial tests: a real libp2p node in the test process, built by the
 * project's own factory (createMeshNode: same transports, noise, yamux, gossipsub with the same
 * message ids and score parameters, the same DHT protocol), joined to a given network, that says
 * whatever the test wants, signed by whatever key, to the peers the test names and nobody else.
 *
 * It depends on no market body shape: it publishes bytes on topics, answers and sends raw
 * request/response frames, and signs through the wire layer's own signMessage (schema-checked)
 * or signRaw (any type, any body bytes). The auction protocol can change under it.
 *
 * "Chosen peers only": it listens on nothing by default, dials only addresses the test passes to
 * connect(), and a connection gater refuses every connection (inbound, outbound, relayed) with a
 * peer the test did not name. Its own gossipsub does not forward what it receives (unless
 * `relay: true`), so a hostile connected to two honest nodes is not a bridge between them.
 */

export interface HostileNodeOptions {
  /** the honest mesh's network id: its `/status` `network`, or node.json's `network` */
  networkId: string
  /** first segment of topics and protocol ids (default: the config default, as the CLI nodes use) */
  protocolPrefix?: string
  /** libp2p identity (default: a fresh key); market messages may be signed with any other key */
  identity?: NodeKey
  /** listen addresses (default none: nobody can dial in, connect() dials out) */
  listen?: string[]
  /** full topic names to subscribe to (default: every topic of the network) */
  subscribe?: string[]
  /** forward what peers send, like an honest node (default false: received messages stop here) */
  relay?: boolean
  /** received gossip kept for inspection, oldest dropped first (default 10,000) */
  maxReceived?: number
  /** identify agent (default: an honest-looking `skymesh/<version> (tenant)`) */
  userAgent?: string
  roles?: Role[]
  /** more gossipsub options (after the hostile's own: flood publish, publish to zero peers) */
  gossip?: Partial<GossipsubOpts>
}

/** A gossip message that reached the hostile node. */
export interface Received {
  topic: string
  /** the peer that forwarded it */
  from: string
  bytes: Uint8Array
  /** Date.now() on arrival */
  at: number
}

export type Framing = 'lp' | 'raw'

export interface RawRequestOptions {
  /** 'lp' (default): one length-prefixed frame out, length-prefixed frames back (as the market's protocols); 'raw': bytes as they are, both ways */
  framing?: Framing
  /** give up after this long (default 5 s) */
  timeoutMs?: number
  /** largest response frame read with 'lp' framing (default 1 MiB) */
  maxItemBytes?: number
  /** most frames or chunks kept (default 100,000) */
  maxItems?: number
  /** keep the write side open this long after the bytes went out: a slow or silent client */
  holdWriteMs?: number
  signal?: AbortSignal
}

/** What came back from a request; requestRaw never throws for what the remote does. */
export interface RawResponse {
  /** lp: the decoded frames; raw: the chunks as they arrived */
  frames: Uint8Array[]
  /** bytes received in total */
  bytes: number
  /** how the exchange ended */
  end: 'closed' | 'timeout' | 'error' | 'dial-failed'
  error?: string
  /** from the dial to the end */
  ms: number
}

/** `signal` aborts when the exchange's deadline passes or the node stops. */
export type RawHandler = (request: Uint8Array, from: string, signal: AbortSignal) => Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Promise<Iterable<Uint8Array>>

export interface ServeRawOptions {
  /** 'lp' (default): read one length-prefixed request frame, length-prefix every response chunk; 'raw': read until the client closes its side, write chunks as they are */
  framing?: Framing
  /** largest request read (default 1 MiB) */
  maxRequestBytes?: number
  /** abort an exchange after this long (default 30 s) */
  timeoutMs?: number
  maxInboundStreams?: number
}

export interface FloodOptions {
  /** full topic name */
  topic: string
  /** the i-th message (0-based) */
  make: (i: number) => Uint8Array
  /** how many messages at most */
  count: number
  /** messages per second at most */
  ratePerSec: number
  /** stop early */
  signal?: AbortSignal
  /** stop after this long whatever is left (default: count / rate + 30 s) */
  maxDurationMs?: number
}

export interface FloodResult {
  sent: number
  /** publishes that threw (e.g. the node stopped) */
  failed: number
  /** publishes that reached no peer */
  unsent: number
  durationMs: number
  /** true when the signal, stop() or maxDurationMs ended it before count */
  cut: boolean
}

export class HostileNode {
  /** the libp2p identity, also a key it can sign with as itself */
  readonly identity: NodeKey
  readonly names: NetworkNames
  private readonly receivedLog: Received[] = []
  private receivedTotal = 0
  private readonly subscribed: string[]
  private readonly handled = new Set<string>()
  private readonly streams = new Set<Stream>()
  private readonly controller = new AbortController()
  private stopped = false

  private constructor (readonly libp2p: MeshLibp2p, identity: NodeKey, names: NetworkNames, private readonly allowed: Set<string>, subscribed: string[], private readonly maxReceived: number) {
    this.identity = identity
    this.names = names
    this.subscribed = subscribed
  }

  /** Start a hostile node on the network; it is connected to nobody until connect(). */
  static async start (opts: HostileNodeOptions): Promise<HostileNode> {
    const identity = opts.identity ?? await NodeKey.generate()
    const names: NetworkNames = { protocolPrefix: opts.protocolPrefix ?? defaultConfig.network.protocolPrefix, networkId: opts.networkId }
    // the peers the test named; the gater reads it on every connection
    const allowed = new Set<string>()
    const allowedPeer = (p: PeerId): boolean => allowed.has(p.toString())
    // Every check that names a peer: only the ones connect() or allow() named. Relayed
    // connections through a named relay are refused too: the remote end is someone else.
    const gater: ConnectionGater = {
      denyDialPeer: (p) => !allowedPeer(p),
      denyOutboundConnection: (p) => !allowedPeer(p),
      denyInboundEncryptedConnection: (p) => !allowedPeer(p),
      denyOutboundEncryptedConnection: (p) => !allowedPeer(p),
      denyInboundUpgradedConnection: (p) => !allowedPeer(p),
      denyOutboundUpgradedConnection: (p) => !allowedPeer(p),
      denyInboundRelayedConnection: (_relay, remote) => !allowedPeer(remote),
      denyOutboundRelayedConnection: () => true,
      denyInboundRelayReservation: () => true
    }
    const libp2p = await createMeshNode({
      privateKey: identity.privateKey,
      network: names,
      listen: opts.listen ?? [],
      bootstrap: [],
      dhtServer: false,
      userAgent: opts.userAgent ?? userAgentOf(skymeshVersion(), opts.roles ?? ['tenant']),
      dhtValidators: { [providerRecordNamespace(names)]: announceRecordValidator(names) },
      dhtSelectors: { [providerRecordNamespace(names)]: announceRecordSelector(names) },
      // Flood publish sends our message to every subscribed peer above the publish threshold,
      // not only to mesh peers: with one or two peers the mesh may not have formed yet.
      gossip: { floodPublish: true, allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true, ...opts.gossip },
      connectionGater: gater,
      // a flood backs up the connection, and a ping queued behind it times out: the hostile
      // keeps pushing rather than hang up (what the honest side does is what tests look at)
      connectionMonitor: { abortConnectionOnPingFailure: false },
      start: false
    })
    const subscribed = opts.subscribe ?? ALL_TOPICS.map((t) => topicName(names.protocolPrefix, names.networkId, t))
    const node = new HostileNode(libp2p, identity, names, allowed, subscribed, opts.maxReceived ?? 10_000)
    try {
      await libp2p.start()
      const pubsub = libp2p.services.pubsub
      for (const t of subscribed) {
        pubsub.topicValidators.set(t, (peer: PeerId, msg: Message) => node.onGossip(t, peer, msg, opts.relay === true))
        pubsub.subscribe(t)
      }
    } catch (err) {
      try { await libp2p.stop() } catch { /* the start error is the one to report */ }
      throw err
    }
    return node
  }

  private onGossip (topic: string, peer: PeerId, msg: Message, relay: boolean): TopicValidatorResult {
    this.receivedTotal++
    this.receivedLog.push({ topic, from: peer.toString(), bytes: msg.data, at: Date.now() })
    if (this.receivedLog.length > this.maxReceived) this.receivedLog.splice(0, this.receivedLog.length - this.maxReceived)
    // Ignore: not delivered, not forwarded, and no penalty for the honest sender
    return relay ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  get peerId (): string {
    return this.identity.accountId
  }

  /** Full name of a topic of this network, e.g. /skymesh/<net>/1/bids. */
  topic (t: Topic): string {
    return topicName(this.names.protocolPrefix, this.names.networkId, t)
  }

  /** The topic a message type travels on. */
  topicOf (type: MessageType): string {
    return this.topic(TOPIC_OF[type])
  }

  /** `/<prefix>/<net>/<name>/1.0.0`, the name of the market's request/response protocols. */
  protocol (name: string): string {
    return `/${this.names.protocolPrefix}/${this.names.networkId}/${name}/1.0.0`
  }

  /** Let this peer connect and be dialled (connect() does it for the address it dials). */
  allow (peerId: string): void {
    this.allowed.add(peerId)
  }

  /**
   * Dial an honest node (its address must end in /p2p/<peer id>) and, by default, wait until
   * its gossip subscriptions arrived: a publish before that reaches nobody.
   */
  async connect (addr: string, opts: { timeoutMs?: number, waitForTopics?: string[] } = {}): Promise<string> {
    const ma = multiaddr(addr)
    const peer = ma.getPeerId()
    if (peer === null) throw new Error(`hostile connect: ${addr} does not end in /p2p/<peer id>`)
    const timeoutMs = opts.timeoutMs ?? 10_000
    this.allowed.add(peer)
    await this.libp2p.dial(ma, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(timeoutMs)]) })
    await this.waitForSubscribers(opts.waitForTopics ?? this.subscribed, [peer], timeoutMs)
    return peer
  }

  /** Hang up on a peer and stop allowing it. */
  async disconnect (peerId: string): Promise<void> {
    this.allowed.delete(peerId)
    await this.libp2p.hangUp(peerIdFromString(peerId)).catch(() => {})
  }

  /** Peers with an open connection now. */
  connectedPeers (): string[] {
    return this.libp2p.getPeers().map((p) => p.toString()).sort()
  }

  /** Wait until each of `peers` (default: every connected peer) subscribes to each topic. */
  async waitForSubscribers (topics: string[], peers: string[] = this.connectedPeers(), timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const pubsub = this.libp2p.services.pubsub
    for (;;) {
      const missing = topics.flatMap((t) => {
        const subs = new Set(pubsub.getSubscribers(t).map((p) => p.toString()))
        return peers.filter((p) => !subs.has(p)).map((p) => `${p} on ${t}`)
      })
      if (missing.length === 0) return
      if (Date.now() > deadline) throw new Error(`hostile: no subscription from ${missing.slice(0, 3).join(', ')} within ${timeoutMs} ms`)
      await sleep(50, undefined, { signal: this.controller.signal })
    }
  }

  /**
   * Wait until each of `peers` (default: every connected peer) is in this node's gossip mesh of
   * each topic. Publishing does not need it (flood publish), but receiving what honest nodes
   * forward does: gossipsub forwards to mesh peers, and a message forwarded before the GRAFT is
   * never sent to a peer that joins the mesh after it.
   */
  async waitForMesh (topics: string[], peers: string[] = this.connectedPeers(), timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const pubsub = this.libp2p.services.pubsub
    for (;;) {
      const missing = topics.flatMap((t) => {
        const mesh = new Set(pubsub.getMeshPeers(t))
        return peers.filter((p) => !mesh.has(p)).map((p) => `${p} on ${t}`)
      })
      if (missing.length === 0) return
      if (Date.now() > deadline) throw new Error(`hostile: ${missing.slice(0, 3).join(', ')} not in the gossip mesh within ${timeoutMs} ms`)
      await sleep(50, undefined, { signal: this.controller.signal })
    }
  }

  // ---- gossip --------------------------------------------------------------------------------

  /**
   * Publish any bytes on any topic, to every connected peer subscribed to it (flood publish).
   * Nothing is validated. Returns the peers it was sent to (none for the same bytes twice:
   * gossipsub sends a message once).
   */
  async publishRaw (topic: string, bytes: Uint8Array): Promise<{ recipients: string[] }> {
    const r = await this.libp2p.services.pubsub.publish(topic, bytes)
    return { recipients: r.recipients.map((p) => p.toString()) }
  }

  /** Publish a signed wire message on its type's topic (or another, to test WRONG_TOPIC). */
  async publish (msg: Pick<SignedMessage, 'type' | 'bytes'>, topic?: string): Promise<{ recipients: string[] }> {
    return await this.publishRaw(topic ?? this.topicOf(msg.type), msg.bytes)
  }

  /**
   * Sign a body with ANY key through the wire layer (schema-checked, so the body must be
   * well-formed; createdAt is whatever the body says: back-dated or future).
   */
  sign<T extends MessageType> (key: NodeKey, type: T, body: Bodies[T]): SignedMessage<T> {
    return signMessage(key, type, body)
  }

  /**
   * An envelope around any body bytes under any type name, validly signed by `key`: no schema,
   * no size cap. For messages the wire layer would refuse to build (unknown types, extra fields,
   * oversized bodies, non-canonical CBOR).
   */
  signRaw (key: NodeKey, type: string, body: Uint8Array): Uint8Array {
    return writeEnvelope({ type, body, signer: key.publicKey, sig: key.sign(type, body) })
  }

  /** Deterministic CBOR of any value (for bodies given to signRaw, or request payloads). */
  encode (value: unknown): Uint8Array {
    return encodeCanonical(value)
  }

  /**
   * Publish `count` messages made by `make(i)` at most `ratePerSec`, bounded in time too
   * (maxDurationMs); stop() or the signal ends it early.
   */
  async flood (opts: FloodOptions): Promise<FloodResult> {
    const rate = Math.max(opts.ratePerSec, 0.001)
    const maxMs = opts.maxDurationMs ?? (opts.count / rate) * 1000 + 30_000
    const signal = opts.signal === undefined ? this.controller.signal : AbortSignal.any([opts.signal, this.controller.signal])
    const start = performance.now()
    const res: FloodResult = { sent: 0, failed: 0, unsent: 0, durationMs: 0, cut: false }
    let i = 0
    while (i < opts.count) {
      const elapsed = performance.now() - start
      if (signal.aborted || elapsed > maxMs) { res.cut = true; break }
      // every message due by now (at least one), so the rate holds even when timers are late
      const due = Math.min(opts.count, Math.max(i + 1, Math.floor((elapsed / 1000) * rate)))
      for (; i < due; i++) {
        try {
          const r = await this.libp2p.services.pubsub.publish(opts.topic, opts.make(i))
          res.sent++
          if (r.recipients.length === 0) res.unsent++
        } catch {
          res.failed++
        }
      }
      const wait = (i / rate) * 1000 - (performance.now() - start)
      if (wait > 0 && i < opts.count) {
        try { await sleep(wait, undefined, { signal }) } catch { res.cut = true; break }
      }
    }
    res.durationMs = Math.round(performance.now() - start)
    return res
  }

  /** Gossip received so far (at most maxReceived, oldest dropped), optionally of one topic. */
  received (topic?: string): Received[] {
    return topic === undefined ? [...this.receivedLog] : this.receivedLog.filter((r) => r.topic === topic)
  }

  /** Every gossip message received since start, including those dropped from the log. */
  get receivedCount (): number {
    return this.receivedTotal
  }

  // ---- request/response --------------------------------------------------------------------

  /**
   * Send anything on any protocol to a connected (or allowed) peer and collect what comes back.
   * Never throws for what the remote does: the outcome says how it ended.
   */
  async requestRaw (peer: string, protocol: string, bytes: Uint8Array, opts: RawRequestOptions = {}): Promise<RawResponse> {
    const framing = opts.framing ?? 'lp'
    const timeoutMs = opts.timeoutMs ?? 5_000
    const maxItems = opts.maxItems ?? 100_000
    const started = performance.now()
    const deadline = new AbortController()
    const timer = setTimeout(() => { deadline.abort() }, timeoutMs)
    const signal = AbortSignal.any([deadline.signal, this.controller.signal, ...(opts.signal !== undefined ? [opts.signal] : [])])
    const frames: Uint8Array[] = []
    let total = 0
    const done = (end: RawResponse['end'], error?: string): RawResponse => ({ frames, bytes: total, end, ...(error !== undefined ? { error } : {}), ms: Math.round(performance.now() - started) })
    let stream: Stream
    try {
      stream = await this.libp2p.dialProtocol(peerIdFromString(peer), protocol, { signal, runOnLimitedConnection: true })
    } catch (err) {
      clearTimeout(timer)
      return done(signal.aborted ? 'timeout' : 'dial-failed', (err as Error).message)
    }
    this.streams.add(stream)
    const onAbort = (): void => { stream.abort(new Error('hostile request ended')) }
    signal.addEventListener('abort', onAbort, { once: true })
    const hold = opts.holdWriteMs ?? 0
    const source = async function * (): AsyncGenerator<Uint8Array> {
      yield bytes
      if (hold > 0) await sleep(hold, undefined, { signal }).catch(() => {})
    }
    try {
      await pipe(
        source(),
        (s) => framing === 'lp' ? lp.encode(s) : s,
        stream,
        (s) => framing === 'lp' ? lp.decode(s, { maxDataLength: opts.maxItemBytes ?? 1024 * 1024 }) : s,
        async (s: AsyncIterable<Uint8ArrayList | Uint8Array>) => {
          for await (const chunk of s) {
            const b = plain(chunk instanceof Uint8Array ? chunk : chunk.subarray())
            total += b.length
            if (frames.length < maxItems) frames.push(b)
          }
        }
      )
      return done('closed')
    } catch (err) {
      return done(deadline.signal.aborted ? 'timeout' : 'error', (err as Error).message)
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      this.streams.delete(stream)
    }
  }

  /**
   * Answer a protocol with anything: `handler` gets the request and yields what to send back
   * (garbage, oversized frames, nothing at all, or slowly: an async generator may wait).
   * Replaces an earlier handler of the same protocol; stop() removes it.
   */
  async serveRaw (protocol: string, handler: RawHandler, opts: ServeRawOptions = {}): Promise<void> {
    const framing = opts.framing ?? 'lp'
    const maxRequestBytes = opts.maxRequestBytes ?? 1024 * 1024
    const timeoutMs = opts.timeoutMs ?? 30_000
    if (this.handled.has(protocol)) await this.libp2p.unhandle(protocol)
    this.handled.add(protocol)
    await this.libp2p.handle(protocol, ({ stream, connection }) => {
      const from = connection.remotePeer.toString()
      this.streams.add(stream)
      // one signal for the exchange: its deadline or stop(), whichever comes first; the handler
      // gets it so a slow handler can stop waiting too
      const ac = new AbortController()
      const timer = setTimeout(() => { ac.abort() }, timeoutMs)
      const onStop = (): void => { ac.abort() }
      this.controller.signal.addEventListener('abort', onStop, { once: true })
      const ended = new Promise<void>((resolve) => {
        ac.signal.addEventListener('abort', () => { stream.abort(new Error('hostile serve ended')); resolve() }, { once: true })
      })
      const work = (async () => {
        const req = await readRequest(stream.source, framing, maxRequestBytes)
        const items = await handler(req, from, ac.signal)
        await pipe(
          toAsync(items),
          (s) => framing === 'lp' ? lp.encode(s) : s,
          stream.sink
        )
      })()
      work.catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
      void Promise.race([work, ended]).catch(() => {}).finally(() => {
        clearTimeout(timer)
        this.controller.signal.removeEventListener('abort', onStop)
        this.streams.delete(stream)
      })
    }, { runOnLimitedConnection: true, maxInboundStreams: opts.maxInboundStreams ?? 64 })
  }

  /** Stop everything it started: floods, requests, handlers, the libp2p node. Idempotent. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.controller.abort()
    for (const s of this.streams) s.abort(new Error('hostile node stopping'))
    this.streams.clear()
    const pubsub = this.libp2p.services.pubsub
    for (const t of this.subscribed) pubsub.topicValidators.delete(t)
    for (const p of this.handled) await this.libp2p.unhandle(p).catch(() => {})
    this.handled.clear()
    await this.libp2p.stop()
  }
}

/** The request: one length-prefixed frame, or every byte until the client closes its side. */
async function readRequest (source: AsyncIterable<Uint8ArrayList>, framing: Framing, max: number): Promise<Uint8Array> {
  if (framing === 'lp') {
    for await (const frame of lp.decode(source, { maxDataLength: max })) return plain(frame.subarray())
    return new Uint8Array(0)
  }
  const parts: Uint8Array[] = []
  let n = 0
  for await (const chunk of source) {
    const b = chunk.subarray()
    n += b.length
    if (n > max) throw new Error(`hostile serve: request larger than ${max} bytes`)
    parts.push(b)
  }
  const out = new Uint8Array(n)
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

/** A plain Uint8Array view (libp2p hands out Buffers; tests compare with toEqual). */
function plain (b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

async function * toAsync (items: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const i of items) yield i
}
