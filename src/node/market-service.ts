import { EventEmitter, setMaxListeners } from 'node:events'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { decode as cborDecode } from 'cborg'
import type { NetworkConfig } from '../config/index.js'
import { accountIdOf, sha256, type NodeKey } from '../identity/index.js'
import {
  BidEngine, MS_PER_MONTH, MarketError, awardUntil, OrderBook, TenantEngine, checkTimely, decimalToWire, noBidBody, orderIdOfMessage,
  wireToDecimal, type AuctionMessage, type AuctionParams, type Lease, type NoBidReason, type Outcome, type Phase
} from '../market/index.js'
import { RequestError, request, serve, type ExchangeLimits } from '../p2p/request-response.js'
import type { GossipService } from '../p2p/index.js'
import { formatDecimal } from '../sdl/decimal.js'
import { canonicalJson, parseSdl, type SdlResult } from '../sdl/index.js'
import { equalBytes, fromHex, toHex, utf8 } from '../util/bytes.js'
import type { Clock } from '../util/clock.js'
import { errorMessage, isSkymeshError, SkymeshError } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import { TOPIC_OF, checkContext, decodeEnvelope, encodeCanonical, signMessage, type AnySignedMessage, type Price, type SignedMessage } from '../wire/index.js'
import type { Store } from './store.js'
import type { BidView, LeaseView, OrderView } from './views.js'

export type MarketServiceErrorCode = 'NOT_A_TENANT' | 'UNKNOWN_LEASE' | 'NOT_A_PARTY' | 'LEASE_CLOSED' | 'BAD_MAX_PRICE'

export class MarketServiceError extends SkymeshError<MarketServiceErrorCode> {
  readonly layer = 'market'
}

export interface MarketServiceOptions {
  network: NetworkConfig
  params: AuctionParams
  tenant: boolean
  /**
   * peers: how many peers one sync asks; debounceMs: one sync per order per this long;
   * beforeDecisionMs: how long a tenant waits for sync answers before it seals or awards (a
   * peer that does not answer must not make the seal late); recentMs: how far back a node
   * that starts asks its first peers for orders
   */
  sync: ExchangeLimits & { peers: number, debounceMs: number, beforeDecisionMs: number, recentMs: number }
  manifest: ExchangeLimits & { attempts: number }
  /** orders whose no-bid reasons are kept in memory */
  maxOrdersWithReasons: number
  /** how long a publish waits for a first subscriber of its topic */
  publishWaitMs: number
}

export const defaultMarketServiceOptions = { maxOrdersWithReasons: 100_000, publishWaitMs: 1_000 }

export const defaultSyncLimits: MarketServiceOptions['sync'] = { maxRequestBytes: 256, maxItemBytes: 64 * 1024, maxItems: 4096, timeoutMs: 3000, peers: 3, debounceMs: 1000, beforeDecisionMs: 300, recentMs: 10 * 60 * 1000 }
export const defaultManifestLimits: MarketServiceOptions['manifest'] = { maxRequestBytes: 1024 * 1024 + 1024, maxItemBytes: 4096, maxItems: 1, timeoutMs: 5000, attempts: 5 }

export interface MarketServiceModules {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'peerStore'>
  gossip: GossipService
  store: Store
  key: NodeKey
  clock: Clock
  logger: Logger
  /** the provider role's bid engine; absent on nodes that do not bid */
  bidEngine?: BidEngine
  /** known addresses of a provider (from its announce), to deliver a manifest */
  providerAddrs: (accountId: string) => string[]
}

type MarketMessage = AuctionMessage | SignedMessage<'NoBid'>
const MARKET_TYPES = ['Order', 'BidCommit', 'Seal', 'BidReveal', 'Award', 'LeaseAccept', 'LeaseClose', 'NoBid'] as const

/**
 * The market on a node: every market message (from gossip, sync or this node) goes through one
 * path: decode and signature (wire), the auction rules (market), the SQLite store, then the
 * reactions of this node's roles: a provider bids, reveals and accepts leases; a tenant seals,
 * awards and delivers the manifest. Gaps are filled through the order-sync protocol before a
 * tenant seals or awards.
 */
export class MarketService extends EventEmitter<{ update: [string], capacity: [] }> {
  readonly book: OrderBook
  readonly tenant: TenantEngine | undefined
  private readonly noBids = new Map<string, Map<string, NoBidReason[]>>()
  private readonly lastStatus = new Map<string, string>()
  private readonly lastSync = new Map<string, number>()
  private readonly delivering = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  /** a one-shot tick at the tenant's next deadline: the 100 ms poll alone would add up to 100 ms */
  private deadlineTimer: NodeJS.Timeout | undefined
  private ticking = false
  private readonly unregister: Array<() => void> = []
  private readonly syncedPeers = new Set<string>()
  /** connected peers that speak the sync protocol (from identify; no peer store lookups) */
  private readonly syncCapable = new Map<string, PeerId>()
  /** `<order id>:seal` / `<order id>:award`: the sync before that decision was done */
  private readonly presynced = new Set<string>()
  /** a catch-up sync with a peer completed since start: the book holds what the mesh has */
  private caughtUp = false
  private started = false

  private readonly opts: MarketServiceOptions

  constructor (opts: Omit<MarketServiceOptions, keyof typeof defaultMarketServiceOptions> & Partial<MarketServiceOptions>, private readonly modules: MarketServiceModules) {
    super()
    this.opts = { ...defaultMarketServiceOptions, ...opts }
    this.book = new OrderBook(opts.params)
    this.tenant = opts.tenant
      ? new TenantEngine({ net: opts.network.id, windows: { commitWindowMs: opts.network.commitWindowMs, revealWindowMs: opts.network.revealWindowMs }, params: opts.params }, { key: modules.key, clock: modules.clock, book: this.book })
      : undefined
  }

  private proto (name: string): string {
    return `/${this.opts.network.protocolPrefix}/${this.opts.network.id}/${name}/1.0.0`
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.restore()
    for (const type of MARKET_TYPES) {
      this.unregister.push(this.modules.gossip.registerValidator(type, (msg) => { this.ingest(msg as MarketMessage, true) }))
    }
    await serve(this.modules.libp2p, this.proto('sync'), (req) => this.serveSync(req), this.opts.sync)
    await serve(this.modules.libp2p, this.proto('manifest'), async (req, from) => await this.serveManifest(req, from), this.opts.manifest)
    this.timer = setInterval(() => { void this.tick() }, 100)
    this.timer.unref()
    await this.resume()
  }

  /**
   * A peer that speaks the sync protocol appeared. The first few peers after start are asked
   * for every order active lately: what gossip delivered while this node was down.
   */
  peerAppeared (peer: PeerId, protocols: readonly string[]): void {
    if (!this.started || !protocols.includes(this.proto('sync'))) return
    this.syncCapable.set(peer.toString(), peer)
    if (this.syncedPeers.size >= this.opts.sync.peers || this.syncedPeers.has(peer.toString())) return
    this.syncedPeers.add(peer.toString())
    const since = Math.max(0, this.modules.clock.now() - this.opts.sync.recentMs)
    void this.syncFrom(peer, encodeCanonical({ since }), undefined, true).then(async () => {
      this.caughtUp = true
      await this.resume()
    }, () => { /* logged in syncFrom; the next peer that appears is asked */ })
  }

  /** A peer disconnected: it is not asked for syncs any more. */
  peerGone (peer: PeerId): void {
    this.syncCapable.delete(peer.toString())
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    if (this.timer !== undefined) clearInterval(this.timer)
    clearTimeout(this.deadlineTimer)
    for (const u of this.unregister.splice(0)) u()
    await this.modules.libp2p.unhandle(this.proto('sync'))
    await this.modules.libp2p.unhandle(this.proto('manifest'))
  }

  // ---- ingestion -------------------------------------------------------------------------

  /**
   * The one path of every market message. Throws MarketError/WireError for gossip to map to
   * ignore/reject; messages missing context are kept (parked and stored) and fetched.
   */
  private ingest (msg: MarketMessage, fromGossip: boolean): 'added' | 'duplicate' | 'pending' {
    const key = msg.type === 'Order' ? toHex(orderIdOfMessage(msg)) : toHex(msg.body.orderId)
    if (msg.type === 'NoBid') return this.ingestNoBid(msg, key, fromGossip)
    const auction = this.book.get(key)
    // [IGNORE] on gossip only: too late to matter (a seal or award naming it is fetched by sync)
    if (fromGossip) checkTimely(msg, auction?.order, this.modules.clock.now(), this.opts.params)
    let result: 'added' | 'duplicate' | 'pending'
    try {
      result = this.book.add(msg)
    } catch (err) {
      // equivocations are kept as evidence: persist what the book holds, then reject
      if (this.book.get(key)?.has(toHex(msg.id)) === true) this.persist(msg, key)
      throw err
    }
    if (result === 'duplicate') return result
    this.persist(msg, key)
    if (result === 'pending') {
      this.requestSync(key)
      return result
    }
    setImmediate(() => { void this.react(msg, key) })
    return result
  }

  private ingestNoBid (msg: SignedMessage<'NoBid'>, key: string, fromGossip: boolean): 'added' | 'duplicate' | 'pending' {
    const known = this.book.get(key)?.order !== undefined
    // [IGNORE] on gossip: reasons for an order this node does not know are not relayed
    if (!known && fromGossip) throw new MarketError('UNKNOWN_ORDER', 'no-bid reasons for an unknown order', 'IGNORE')
    if (this.noBids.get(key)?.has(accountIdOf(msg.signer)) === true) return 'duplicate'
    // kept for an order not seen yet (a sync answer can hold them before it), within a bound
    if (!known && this.noBids.size >= this.opts.maxOrdersWithReasons) return 'duplicate'
    this.keepNoBid(key, msg)
    this.persist(msg, key)
    if (!known) { this.requestSync(key); return 'pending' }
    this.emit('update', key)
    return 'added'
  }

  private keepNoBid (orderId: string, msg: SignedMessage<'NoBid'>): void {
    let m = this.noBids.get(orderId)
    if (m === undefined) { m = new Map(); this.noBids.set(orderId, m) }
    m.set(accountIdOf(msg.signer), msg.body.reasons)
  }

  private persist (msg: AnySignedMessage, orderId: string): void {
    this.modules.store.putMessage({ id: toHex(msg.id), orderId, type: msg.type, bytes: msg.bytes, receivedAt: this.modules.clock.now() })
  }

  /** Messages from a sync response or a manifest reply: decoded, checked, ingested. */
  private ingestBytes (bytes: Uint8Array): void {
    try {
      const msg = decodeEnvelope(bytes)
      if (!(MARKET_TYPES as readonly string[]).includes(msg.type)) return
      checkContext(msg, { networkId: this.opts.network.id, now: this.modules.clock.now(), maxClockSkewMs: this.opts.network.maxClockSkewMs })
      this.ingest(msg as MarketMessage, false)
    } catch (err) {
      if (!isSkymeshError(err)) this.modules.logger.warn('sync ingest failed', { error: errorMessage(err) })
    }
  }

  /** Rebuild every auction, bid and deployment from the store (start-up after a stop or a crash). */
  private restore (): void {
    for (const m of this.modules.store.messages()) {
      try {
        const msg = decodeEnvelope(m.bytes, { verify: false }) as MarketMessage
        if (msg.type === 'NoBid') {
          this.keepNoBid(toHex(msg.body.orderId), msg)
          if (equalBytes(msg.signer, this.modules.key.publicKey)) this.modules.bidEngine?.remember(toHex(msg.body.orderId), msg.body.reasons)
        } else {
          this.book.add(msg)
        }
      } catch { /* evidence and rejected copies were stored too; the book decides again */ }
    }
    for (const d of this.modules.store.deployments()) {
      for (const id of d.orderIds) {
        const order = this.book.get(id)?.order
        if (order !== undefined) this.tenant?.track(order)
      }
    }
    const engine = this.modules.bidEngine
    if (engine !== undefined) {
      for (const b of this.modules.store.bids()) {
        const a = this.book.get(b.orderId)
        const commit = a?.commitList().find((c) => toHex(c.id) === b.commitId)
        if (a?.order !== undefined && commit !== undefined) engine.restore(a.order, commit, b.price)
      }
    }
    for (const a of this.book.auctionList()) this.noteOutcome(a.orderIdHex)
  }

  /**
   * After a restart or a catch-up sync: reveal every sealed commit of ours that is not revealed
   * yet while its reveal deadline allows (a provider killed in the reveal phase still reveals).
   */
  private async resume (): Promise<void> {
    const engine = this.modules.bidEngine
    if (engine === undefined) return
    const now = this.modules.clock.now()
    for (const { id, kind } of engine.holdIds()) {
      if (kind !== 'commit') continue
      const a = this.book.get(id)
      const seal = a?.seal
      if (a?.order === undefined || seal === undefined || now > a.order.body.revealUntil + this.opts.params.maxClockSkewMs) continue
      const mine = a.revealList().some((r) => equalBytes(r.signer, this.modules.key.publicKey))
      if (!mine) await this.onSeal(engine, seal, id)
    }
  }

  /** A seal for an order we hold capacity for: reveal if it names our commit, else release. */
  private async onSeal (engine: BidEngine, seal: SignedMessage<'Seal'>, key: string): Promise<void> {
    const held = engine.holdOf(key)
    const reveal = engine.onSeal(seal)
    this.holdChanged(key, held)
    if (reveal !== undefined) await this.publish(reveal)
  }

  // ---- reactions ---------------------------------------------------------------------------

  private async react (msg: AuctionMessage, key: string): Promise<void> {
    try {
      const engine = this.modules.bidEngine
      if (engine !== undefined && msg.type === 'Order') await this.considerOrder(engine, msg)
      if (engine !== undefined && msg.type === 'Seal') await this.onSeal(engine, msg, key)
      this.noteOutcome(key)
    } catch (err) {
      this.modules.logger.warn('market reaction failed', { type: msg.type, error: errorMessage(err) })
    }
  }

  private async considerOrder (engine: BidEngine, order: SignedMessage<'Order'>): Promise<void> {
    const d = engine.consider(order)
    if (d.action === 'bid') {
      this.modules.store.putBid({ orderId: toHex(orderIdOfMessage(order)), commitId: toHex(d.bid.commit.id), price: d.price, createdAt: this.modules.clock.now() })
      this.emit('capacity')
      await this.publish(d.bid.commit)
      return
    }
    if (d.reasons.some((r) => r.code === 'OWN_ORDER')) return
    await this.publish(signMessage(this.modules.key, 'NoBid', noBidBody(order, d.reasons, this.modules.clock.now())))
  }

  /** The bid engine's hold of an order changed from `before`: forget a released bid, re-announce. */
  private holdChanged (orderId: string, before: 'commit' | 'lease' | undefined): void {
    const now = this.modules.bidEngine?.holdOf(orderId)
    if (now === before) return
    if (now === undefined) this.modules.store.deleteBid(orderId)
    this.emit('capacity')
  }

  /** After any change: tell the bid engine, deliver the manifest, notify listeners. */
  private noteOutcome (key: string): void {
    const a = this.book.get(key)
    if (a === undefined) return
    const o = a.outcome()
    const status = o.status === 'leased' ? `leased:${o.lease.state}` : o.status
    this.emit('update', key)
    if (this.lastStatus.get(key) === status) return
    this.lastStatus.set(key, status)
    if (o.status !== 'pending') { this.presynced.delete(`${key}:seal`); this.presynced.delete(`${key}:award`) }
    const engine = this.modules.bidEngine
    if (engine !== undefined) {
      const held = engine.holdOf(key)
      engine.onOutcome(key, o)
      this.holdChanged(key, held)
    }
    if (o.status === 'leased' && o.lease.state === 'awarded' && equalBytes(o.lease.tenant, this.modules.key.publicKey)) {
      void this.deliverManifest(key, o.lease)
    }
  }

  async publish (msg: AnySignedMessage): Promise<void> {
    // Gossipsub sends a message once: published before any peer's subscription reached us (a
    // node that just connected), it would reach nobody, and the same bytes cannot be sent again.
    // Wait a little for a subscriber; sync repairs what still goes missing.
    const deadline = Date.now() + this.opts.publishWaitMs
    while (this.started && this.modules.gossip.subscribers(TOPIC_OF[msg.type]) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    try {
      await this.modules.gossip.publish(msg)
    } catch (err) {
      // already ingested locally by the gossip adapter's validation when it is valid
      this.modules.logger.warn('publish failed', { type: msg.type, error: errorMessage(err) })
    }
  }

  // ---- tenant --------------------------------------------------------------------------------

  /** Parse an SDL, create and store one order per group, publish them. */
  async deploy (sdlText: string, opts: { maxPrice?: Price } = {}): Promise<{ dseq: number, orderIds: string[], sdl: SdlResult }> {
    const tenant = this.tenant
    if (tenant === undefined) throw new MarketServiceError('NOT_A_TENANT', 'this node does not have the tenant role (start it with --role tenant)', { badInput: true })
    const sdl = parseSdl(sdlText)
    // the deployment number is the time in ms, made unique: two deployments in one millisecond
    // (or after the clock went back) must not share it
    const dseq = Math.max(this.modules.clock.now(), this.modules.store.maxDseq() + 1)
    const orders = tenant.createOrders(sdl, { dseq, ...(opts.maxPrice === undefined ? {} : { maxPrice: opts.maxPrice }) })
    const orderIds = orders.map((o) => toHex(orderIdOfMessage(o)))
    // stored before anything is published: a crash right after still knows the deployment
    this.modules.store.putDeployment(
      { dseq, sdl: sdlText, manifest: canonicalJson(sdl.manifest), manifestHash: sdl.manifestHash, orderIds, createdAt: this.modules.clock.now() },
      orders.map((o, i) => ({ id: toHex(o.id), orderId: orderIds[i] as string, type: 'Order', bytes: o.bytes, receivedAt: this.modules.clock.now() }))
    )
    this.scheduleDeadline()
    for (const o of orders) await this.publish(o)
    return { dseq, orderIds, sdl }
  }

  private async tick (): Promise<void> {
    // one tick at a time: two overlapping ticks could each sign a seal, and two different seals
    // are the tenant's own equivocation (the order would be void everywhere)
    if (this.ticking) return
    this.ticking = true
    try {
      for (const id of this.modules.bidEngine?.expire(this.opts.params) ?? []) this.holdChanged(id, 'commit')
      const tenant = this.tenant
      if (tenant === undefined) return
      const next = tenant.nextDeadline()
      if (next === undefined || next > this.modules.clock.now()) return
      // Fill gaps gossip left (commits before the seal, reveals before the award) once per
      // decision, within a short deadline: a silent peer must not make the decision late.
      const gaps = tenant.orderIds().filter((id) => this.needsPresync(id))
      if (gaps.length > 0) {
        const signal = AbortSignal.timeout(this.opts.sync.beforeDecisionMs)
        // one deadline for every request of this tick (each adds a listener)
        setMaxListeners(Infinity, signal)
        await Promise.race([
          Promise.all(gaps.map(async (id) => await this.syncOrder(id, true, signal))),
          new Promise((resolve) => { signal.addEventListener('abort', resolve, { once: true }) })
        ])
      }
      for (const m of tenant.tick()) {
        // A tenant that restarted decides only once it caught up with a peer (the reveals it
        // missed while down), unless waiting longer would let the order expire.
        if (!this.caughtUp && !this.mustDecideNow(m)) continue
        await this.publish(m)
      }
    } catch (err) {
      this.modules.logger.warn('market tick failed', { error: errorMessage(err) })
    } finally {
      this.ticking = false
      this.scheduleDeadline()
    }
  }

  private scheduleDeadline (): void {
    clearTimeout(this.deadlineTimer)
    const next = this.tenant?.nextDeadline()
    if (next === undefined || !this.started) return
    const wait = next - this.modules.clock.now()
    if (wait <= 0) return
    this.deadlineTimer = setTimeout(() => { void this.tick() }, wait)
    this.deadlineTimer.unref()
  }

  /** Too close to the seal's or the award's last moment to wait for a catch-up sync. */
  private mustDecideNow (m: SignedMessage<'Seal'> | SignedMessage<'Award'>): boolean {
    const order = this.book.get(toHex(m.body.orderId))?.order
    if (order === undefined) return true
    const last = m.type === 'Seal' ? order.body.revealUntil : awardUntil(order.body, this.opts.params)
    const window = m.type === 'Seal' ? order.body.revealUntil - order.body.commitUntil : last - order.body.revealUntil
    return this.modules.clock.now() >= last - window / 2
  }

  /**
   * A tenant order whose seal or award is due now and not synced for yet. Before the seal any
   * commit may be missing; before the award only a sealed commit whose reveal is not here.
   */
  private needsPresync (orderId: string): boolean {
    const a = this.book.get(orderId)
    const order = a?.order
    if (a === undefined || order === undefined || a.outcome().status !== 'pending') return false
    const now = this.modules.clock.now()
    const step = a.seal === undefined ? 'seal' : 'award'
    const due = step === 'seal'
      ? now >= order.body.commitUntil && now <= order.body.revealUntil
      : now >= order.body.revealUntil && now <= awardUntil(order.body, this.opts.params) && a.revealList().length < (a.seal?.body.commits.length ?? 0)
    const key = `${orderId}:${step}`
    if (!due || this.presynced.has(key)) return false
    this.presynced.add(key)
    return true
  }

  /** The canonical manifest JSON of a deployment (stored at deploy), the bytes its hash commits to. */
  private manifestBytes (orderId: string): Uint8Array | undefined {
    const d = this.modules.store.deploymentOf(orderId)
    return d === undefined ? undefined : utf8(d.manifest)
  }

  private async deliverManifest (orderId: string, lease: Lease): Promise<void> {
    if (this.delivering.has(orderId)) return
    this.delivering.add(orderId)
    try {
      const manifest = this.manifestBytes(orderId)
      if (manifest === undefined) return
      const provider = accountIdOf(lease.provider)
      const peer = peerIdFromString(provider)
      const addrs = this.modules.providerAddrs(provider).flatMap((a) => { try { return [multiaddr(a)] } catch { return [] } })
      if (addrs.length > 0) await this.modules.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => {})
      const req = encodeCanonical({ orderId: fromHex(orderId) as Uint8Array, manifest })
      for (let attempt = 0; attempt < this.opts.manifest.attempts; attempt++) {
        const state = this.book.outcome(orderId)
        if (state?.status !== 'leased' || state.lease.state !== 'awarded') return
        try {
          const replies = await request(this.modules.libp2p, peer, this.proto('manifest'), req, this.opts.manifest)
          for (const r of replies) this.ingestBytes(r)
          const o = this.book.outcome(orderId)
          if (o?.status === 'leased' && o.lease.state !== 'awarded') {
            this.emit('update', orderId)
            return
          }
        } catch (err) {
          this.modules.logger.debug('manifest delivery failed', { orderId, attempt, error: errorMessage(err) })
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt))
      }
      this.modules.logger.warn('manifest not delivered', { orderId, provider })
    } finally {
      this.delivering.delete(orderId)
    }
  }

  /** Close a lease this node is a party to. */
  async closeLease (leaseId: string, reason: string): Promise<LeaseView> {
    const [orderId] = leaseId.split('/')
    const a = orderId === undefined ? undefined : this.book.get(orderId)
    const o = a?.outcome()
    if (a === undefined || o?.status !== 'leased' || o.lease.leaseId !== leaseId) throw new MarketServiceError('UNKNOWN_LEASE', `no lease ${leaseId.slice(0, 140)} here`, { badInput: true })
    if (!equalBytes(o.lease.tenant, this.modules.key.publicKey) && !equalBytes(o.lease.provider, this.modules.key.publicKey)) {
      throw new MarketServiceError('NOT_A_PARTY', 'only the lease\'s tenant or provider can close it', { badInput: true })
    }
    if (o.lease.state === 'closed') throw new MarketServiceError('LEASE_CLOSED', 'the lease is already closed', { badInput: true })
    const msg = signMessage(this.modules.key, 'LeaseClose', { net: this.opts.network.id, createdAt: this.modules.clock.now(), orderId: o.lease.orderId, provider: o.lease.provider, reason: reason.slice(0, 512) })
    await this.modules.gossip.publish(msg)
    return this.leaseView(a.order as SignedMessage<'Order'>, (this.book.outcome(orderId as string) as { lease: Lease }).lease)
  }

  // ---- sync protocol -----------------------------------------------------------------------

  private serveSync (req: Uint8Array): Uint8Array[] {
    const r = decodeSyncRequest(req)
    if (r === undefined) return []
    const ids = 'orderId' in r ? [r.orderId] : this.modules.store.recentOrderIds(r.since, 256)
    const out: Uint8Array[] = []
    for (const id of ids) for (const m of this.modules.store.messages(id)) out.push(m.bytes)
    return out.slice(0, this.opts.sync.maxItems)
  }

  /** Fetch an order's messages soon (debounced by syncOrder); nothing waits for it. */
  private requestSync (orderId: string): void {
    void this.syncOrder(orderId)
  }

  /** Fetch every message of an order from up to `peers` connected peers. */
  async syncOrder (orderId: string, force = false, signal?: AbortSignal): Promise<number> {
    const now = this.modules.clock.now()
    if (!force && (this.lastSync.get(orderId) ?? 0) + this.opts.sync.debounceMs > now) return 0
    this.lastSync.set(orderId, now)
    const id = fromHex(orderId)
    if (id === undefined || id.length !== 32) return 0
    const req = encodeCanonical({ orderId: id })
    const peers = this.syncPeers()
    const counts = await Promise.all(peers.map(async (p) => await this.syncFrom(p, req, signal)))
    return counts.reduce((a, b) => a + b, 0)
  }

  /** Up to `peers` connected peers that speak the sync protocol (identify told us). */
  private syncPeers (): PeerId[] {
    return [...this.syncCapable.values()].slice(0, this.opts.sync.peers)
  }

  private async syncFrom (peer: PeerId, req: Uint8Array, signal?: AbortSignal, rethrow = false): Promise<number> {
    try {
      const items = await request(this.modules.libp2p, peer, this.proto('sync'), req, this.opts.sync, signal)
      // the server sends each order's messages in arrival order; parked ones are retried
      for (const b of items) this.ingestBytes(b)
      return items.length
    } catch (err) {
      if (!(err instanceof RequestError)) this.modules.logger.debug('sync failed', { peer: peer.toString(), error: errorMessage(err) })
      if (rethrow) {
        // another peer may answer: let it try
        this.syncedPeers.delete(peer.toString())
        throw err
      }
      return 0
    }
  }

  // ---- manifest protocol (provider side) ---------------------------------------------------

  private async serveManifest (req: Uint8Array, from: string): Promise<Uint8Array[]> {
    const r = decodeManifestRequest(req)
    if (r === undefined) return []
    const orderId = toHex(r.orderId)
    // only for an order this provider bid on, and only from its tenant: nobody else can make
    // this node fetch anything
    const known = this.book.get(orderId)?.order
    if (known === undefined || accountIdOf(known.signer) !== from || this.modules.bidEngine?.holdOf(orderId) === undefined) return []
    let o = this.book.outcome(orderId)
    // the award may not have reached us yet: fetch the order's messages first
    if (o?.status !== 'leased') { await this.syncOrder(orderId, true); o = this.book.outcome(orderId) }
    const a = this.book.get(orderId)
    if (o?.status !== 'leased' || a?.order === undefined) return []
    if (!equalBytes(o.lease.provider, this.modules.key.publicKey)) return []
    // only the tenant delivers its manifest, and only the one its order commits to
    if (accountIdOf(o.lease.tenant) !== from) return []
    if (!equalBytes(sha256(r.manifest), a.order.body.manifestHash)) return []
    this.modules.store.set(`manifest:${orderId}`, Buffer.from(r.manifest).toString('utf8'))
    if (o.lease.state !== 'awarded') {
      const accept = a.messages().find((m) => m.type === 'LeaseAccept')
      return accept === undefined ? [] : [accept.bytes]
    }
    const accept = signMessage(this.modules.key, 'LeaseAccept', { net: this.opts.network.id, createdAt: this.modules.clock.now(), orderId: r.orderId, awardId: o.lease.awardId, manifestHash: a.order.body.manifestHash })
    await this.publish(accept)
    return [accept.bytes]
  }

  // ---- views -------------------------------------------------------------------------------

  orderView (orderId: string): OrderView | undefined {
    const a = this.book.get(orderId)
    const order = a?.order
    if (a === undefined || order === undefined) return undefined
    const o = a.outcome()
    const sealed = new Set((a.seal?.body.commits ?? []).map(toHex))
    const reveals = new Map(a.revealList().map((r) => [toHex(r.body.commitId), r]))
    const bids: BidView[] = a.commitList().map((c) => {
      const r = reveals.get(toHex(c.id))
      return { provider: accountIdOf(c.signer), commitId: toHex(c.id), sealed: sealed.has(toHex(c.id)), ...(r !== undefined ? { price: wireToDecimal(r.body.price.amount), revealId: toHex(r.id) } : {}) }
    })
    const myReasons = this.modules.bidEngine?.reasons(orderId)
    return {
      orderId,
      tenant: accountIdOf(order.signer),
      dseq: order.body.dseq,
      gseq: order.body.gseq,
      group: order.body.group.name,
      phase: a.phase(this.modules.clock.now()),
      maxPrice: { denom: order.body.maxPrice.denom, amount: wireToDecimal(order.body.maxPrice.amount) },
      commitUntil: order.body.commitUntil,
      revealUntil: order.body.revealUntil,
      bids,
      outcome: o.status,
      ...('reason' in o ? { outcomeReason: o.reason } : {}),
      ...(o.status === 'leased' ? { lease: this.leaseView(order, o.lease) } : {}),
      noBids: [...(this.noBids.get(orderId) ?? new Map<string, NoBidReason[]>())].map(([provider, reasons]) => ({ provider, reasons })),
      ...(myReasons !== undefined ? { myReasons } : {}),
      mine: equalBytes(order.signer, this.modules.key.publicKey)
    }
  }

  orders (): OrderView[] {
    return this.book.orderIds().map((id) => this.orderView(id)).filter((v): v is OrderView => v !== undefined)
      .sort((a, b) => b.commitUntil - a.commitUntil || a.orderId.localeCompare(b.orderId))
  }

  leases (): LeaseView[] {
    return this.orders().flatMap((o) => (o.lease === undefined ? [] : [o.lease]))
  }

  leaseView (order: SignedMessage<'Order'>, lease: Lease): LeaseView {
    const blocksPerMonth = MS_PER_MONTH / BigInt(this.opts.network.blockMs)
    return {
      leaseId: lease.leaseId,
      orderId: toHex(lease.orderId),
      tenant: accountIdOf(lease.tenant),
      provider: accountIdOf(lease.provider),
      state: lease.state,
      denom: lease.price.denom,
      pricePerBlock: wireToDecimal(lease.price.amount),
      pricePerMonth: wireToDecimal(lease.price.amount * blocksPerMonth),
      // wire units are 10^-6 uact = 10^-12 ACT; shown to the micro-ACT, rounded up
      actPerMonth: formatDecimal((lease.price.amount * blocksPerMonth + 999_999n) / 1_000_000n, 6),
      ...(lease.closedBy !== undefined ? { closedBy: lease.closedBy } : {}),
      ...(lease.closeReason !== undefined ? { closeReason: lease.closeReason } : {}),
      resources: order.body.group.resources.map((u) => ({ count: u.count, cpu: u.cpu, memory: u.memory, storage: u.storage.reduce((n, v) => n + v.size, 0), gpu: u.gpu.units }))
    }
  }
}


function decodeSyncRequest (req: Uint8Array): { orderId: string } | { since: number } | undefined {
  try {
    const v = cborDecode(req, { strict: true, useMaps: false, rejectDuplicateMapKeys: true }) as Record<string, unknown>
    if (v.orderId instanceof Uint8Array && v.orderId.length === 32 && Object.keys(v).length === 1) return { orderId: toHex(v.orderId) }
    if (typeof v.since === 'number' && Number.isSafeInteger(v.since) && v.since >= 0 && Object.keys(v).length === 1) return { since: v.since }
  } catch { /* malformed request: no response */ }
  return undefined
}

function decodeManifestRequest (req: Uint8Array): { orderId: Uint8Array, manifest: Uint8Array } | undefined {
  try {
    const v = cborDecode(req, { strict: true, useMaps: false, rejectDuplicateMapKeys: true }) as Record<string, unknown>
    if (v.orderId instanceof Uint8Array && v.orderId.length === 32 && v.manifest instanceof Uint8Array && Object.keys(v).length === 2) return { orderId: v.orderId, manifest: v.manifest }
  } catch { /* malformed request: no response */ }
  return undefined
}

/** `--max-price`: uact per block as a decimal, with or without the denom ("1000", "0.5uact"). */
export function parseMaxPrice (s: string): Price {
  const m = /^\s*(\d{1,20}(?:\.\d{1,18})?)\s*(uact)?\s*$/.exec(s)
  if (m === null) throw new MarketServiceError('BAD_MAX_PRICE', `max price ${JSON.stringify(s.slice(0, 40))}: expected uact per block, e.g. 1000 or 1000uact`, { badInput: true })
  const amount = decimalToWire(m[1] as string)
  if (amount === 0n) throw new MarketServiceError('BAD_MAX_PRICE', 'max price must be above zero', { badInput: true })
  return { denom: 'uact', amount }
}
