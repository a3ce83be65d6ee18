import { EventEmitter, setMaxListeners } from 'node:events'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { NetworkConfig } from '../../config/index.js'
import { accountIdOf, type NodeKey } from '../../identity/index.js'
import {
  BidEngine, MarketError, OrderBook, TenantEngine, checkTimely, decimalToWire, deadlinesOf, noBidBody, orderIdOfMessage, orderKeyOf, sdlGroupFromOrder,
  type Auction, type AuctionMessage, type AuctionParams, type Conflict, type Lease, type OrderBookOptions
} from '../../market/index.js'
import type { GossipService } from '../../p2p/index.js'
import { canonicalJson, parseSdl, type SdlResult } from '../../sdl/index.js'
import { equalBytes, toHex } from '../../util/bytes.js'
import type { Clock } from '../../util/clock.js'
import { errorMessage, isSkymeshError, SkymeshError } from '../../util/errors.js'
import type { Logger } from '../../util/logger.js'
import { TOPIC_OF, checkContext, decodeEnvelope, signMessage, type AnySignedMessage, type Price, type SignedMessage } from '../../wire/index.js'
import type { Store } from '../store.js'
import type { LeaseView, OrderView, ProviderReputation, TenantView } from '../views.js'
import { ManifestExchange, defaultManifestOptions, type ManifestOptions } from './manifest.js'
import { NoBidBook, defaultNoBidOptions, type NoBidOptions } from './no-bids.js'
import { Reputation } from './reputation.js'
import { OrderSync, defaultSyncOptions, type SyncOptions } from './sync.js'
import { leaseViewOf, orderViewOf } from './views.js'
import type { LeaseWorkload, ProviderWorkloads } from '../workloads/provider-workloads.js'

export type MarketServiceErrorCode = 'NOT_A_TENANT' | 'UNKNOWN_LEASE' | 'NOT_A_PARTY' | 'LEASE_CLOSED' | 'BAD_MAX_PRICE'

export class MarketServiceError extends SkymeshError<MarketServiceErrorCode> {
  readonly layer = 'market'
}

export interface MarketServiceOptions {
  network: NetworkConfig
  params: AuctionParams
  tenant: boolean
  sync: SyncOptions
  manifest: ManifestOptions
  noBids: NoBidOptions
  book: Partial<OrderBookOptions>
  /** how long a publish waits for a first subscriber of its topic */
  publishWaitMs: number
  /** final orders (and their messages) are kept this long, then pruned from memory and the store */
  retentionMs: number
  /** anti-entropy: every this long, one random peer is asked for the orders active lately ... */
  refreshEveryMs: number
  /** ... in this window (repairs what gossip dropped: a LeaseClose, an accept) */
  refreshWindowMs: number
  /** a tenant leaves out of its seals providers with at least this many sealed commits ... */
  excludeMinSealed: number
  /** ... of which more than this share (percent) were never revealed */
  excludeUnrevealedPercent: number
}

export const defaultMarketServiceOptions = {
  sync: defaultSyncOptions,
  manifest: defaultManifestOptions,
  noBids: defaultNoBidOptions,
  book: {},
  publishWaitMs: 1_000,
  retentionMs: 24 * 60 * 60 * 1000,
  refreshEveryMs: 10_000,
  refreshWindowMs: 30_000,
  excludeMinSealed: 5,
  excludeUnrevealedPercent: 50
}

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
  /** the provider role's containers: run before accepting, removed when the lease ends */
  workloads?: ProviderWorkloads
}

type MarketMessage = AuctionMessage | SignedMessage<'NoBid'>
const MARKET_TYPES = ['Order', 'BidCommit', 'Seal', 'BidReveal', 'Award', 'LeaseAccept', 'LeaseClose', 'NoBid', 'Evidence', 'Complaint'] as const

/** Where a message came from: the network (gossip, sync, our own publish), or our own store at start. */
type Via = 'gossip' | 'sync' | 'store'

/**
 * The market on a node. Every market message (gossip, sync, this node's own) goes through one
 * path (`ingest`): decode and signature (wire), arrival in time by the local clock (not for the
 * node's own store), the auction rules (market), the SQLite store, then the reactions of this
 * node's roles: a provider bids, reveals, complains and accepts leases; a tenant seals, awards
 * and delivers the manifest; every node turns conflicting messages into Evidence, records
 * reputation when an order becomes final, and prunes old orders.
 */
export class MarketService extends EventEmitter<{ update: [string], capacity: [] }> {
  readonly book: OrderBook
  readonly tenant: TenantEngine | undefined
  readonly reputation: Reputation
  private readonly noBids: NoBidBook
  private readonly sync: OrderSync
  private readonly manifest: ManifestExchange
  private readonly lastStatus = new Map<string, string>()
  private timer: NodeJS.Timeout | undefined
  /** a one-shot tick at the tenant's next deadline: the 100 ms poll alone would add up to 100 ms */
  private deadlineTimer: NodeJS.Timeout | undefined
  private ticking = false
  private lastHousekeeping = 0
  private lastRefresh = 0
  private readonly unregister: Array<() => void> = []
  /** `<order id>:seal` / `<order id>:award`: the sync before that decision was done */
  private readonly presynced = new Set<string>()
  /** evidence this node is about to publish (one per conflict key) */
  private readonly reporting = new Set<string>()
  /** a catch-up sync with a peer completed since start: the book holds what the mesh has */
  private caughtUp = false
  private started = false
  private readonly opts: MarketServiceOptions

  constructor (opts: Pick<MarketServiceOptions, 'network' | 'params' | 'tenant'> & Partial<MarketServiceOptions>, private readonly modules: MarketServiceModules) {
    super()
    this.opts = { ...defaultMarketServiceOptions, ...opts }
    this.book = new OrderBook(opts.params, this.opts.book)
    this.reputation = new Reputation(modules.store)
    this.noBids = new NoBidBook(this.opts.noBids)
    this.tenant = opts.tenant
      ? new TenantEngine({
        net: opts.network.id,
        windows: { commitWindowMs: opts.network.commitWindowMs, revealWindowMs: opts.network.revealWindowMs },
        params: opts.params,
        excludeFromSeal: () => this.reputation.poorRevealers(this.opts.excludeMinSealed, this.opts.excludeUnrevealedPercent / 100)
      }, { key: modules.key, clock: modules.clock, book: this.book })
      : undefined
    this.sync = new OrderSync(this.proto('sync'), this.opts.sync, {
      libp2p: modules.libp2p,
      store: modules.store,
      clock: modules.clock,
      logger: modules.logger,
      ingest: (items) => { this.ingestBatch(items) },
      isOpen: (id) => {
        const a = this.book.get(id)
        if (a === undefined) return false
        const o = a.outcome()
        // a final order still matters while it has a lease: its accept and close must reach everyone
        return !a.isFinal(this.modules.clock.now()) || o.status === 'leased'
      }
    })
    this.manifest = new ManifestExchange(this.proto('manifest'), this.opts.manifest, {
      libp2p: modules.libp2p,
      store: modules.store,
      key: modules.key,
      clock: modules.clock,
      logger: modules.logger,
      book: this.book,
      networkId: opts.network.id,
      holds: (id) => modules.bidEngine?.holdOf(id) !== undefined,
      providerAddrs: modules.providerAddrs,
      syncOrder: async (id) => await this.sync.syncOrder(id, true),
      ingest: (b) => { this.ingestBytes(b) },
      publish: async (m) => { await this.publish(m) },
      updated: (id) => { this.emit('update', id) },
      ...(modules.workloads !== undefined ? { beforeAccept: async (id: string, manifest: Uint8Array) => { await this.runLease(id, manifest) } } : {})
    })
  }

  private proto (name: string): string {
    return `/${this.opts.network.protocolPrefix}/${this.opts.network.id}/${name}/1.0.0`
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.restore()
    for (const type of MARKET_TYPES) {
      this.unregister.push(this.modules.gossip.registerValidator(type, (msg) => { this.ingest(msg as MarketMessage, 'gossip') }))
    }
    await this.sync.start()
    await this.manifest.start()
    this.timer = setInterval(() => { void this.tick() }, 100)
    this.timer.unref()
    await this.resume()
    // after a restart: running leases are adopted, missing ones restarted, orphans removed
    if (this.modules.workloads !== undefined) void this.modules.workloads.reconcile(this.runningLeases())
  }

  /** This provider's active leases with their stored manifests (what must be running). */
  private runningLeases (): LeaseWorkload[] {
    const out: LeaseWorkload[] = []
    for (const a of this.book.auctionList()) {
      const o = a.outcome()
      if (o.status !== 'leased' || o.lease.state !== 'active' || !equalBytes(o.lease.provider, this.modules.key.publicKey)) continue
      const manifest = this.modules.store.get(`manifest:${a.orderIdHex}`)
      if (manifest !== undefined && a.order !== undefined) out.push(this.leaseWorkload(a.order, o.lease, manifest))
    }
    return out
  }

  private leaseWorkload (order: SignedMessage<'Order'>, lease: Lease, manifestJson: string): LeaseWorkload {
    return { leaseId: lease.leaseId, tenant: accountIdOf(lease.tenant), group: order.body.group.name, resources: sdlGroupFromOrder(order.body.group).resources, manifestJson }
  }

  /** Provider side, before the LeaseAccept: create and start the lease's services. */
  private async runLease (orderId: string, manifest: Uint8Array): Promise<void> {
    const workloads = this.modules.workloads
    const a = this.book.get(orderId)
    const o = a?.outcome()
    if (workloads === undefined || a?.order === undefined || o?.status !== 'leased') return
    await workloads.deploy(this.leaseWorkload(a.order, o.lease, Buffer.from(manifest).toString('utf8')))
  }

  /** A peer that speaks the sync protocol appeared: the first few are asked for recent orders. */
  peerAppeared (peer: PeerId, protocols: readonly string[]): void {
    if (!this.started) return
    const catchUp = this.sync.peerAppeared(peer, protocols)
    if (catchUp === undefined) return
    void catchUp.then(async () => {
      this.caughtUp = true
      await this.resume()
    }, () => { /* the next peer that appears is asked */ })
  }

  peerGone (peer: PeerId): void {
    this.sync.peerGone(peer)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    if (this.timer !== undefined) clearInterval(this.timer)
    clearTimeout(this.deadlineTimer)
    for (const u of this.unregister.splice(0)) u()
    await this.sync.stop()
    await this.manifest.stop()
  }

  async syncOrder (orderId: string, force = false, signal?: AbortSignal): Promise<number> {
    return await this.sync.syncOrder(orderId, force, signal)
  }

  // ---- ingestion -------------------------------------------------------------------------

  /**
   * The one path of every market message. Throws MarketError/WireError for gossip to map to
   * ignore/reject. A message missing context is parked (bounded), stored and fetched, but not
   * relayed: a flood of messages for orders nobody knows stops at the first node.
   */
  private ingest (msg: MarketMessage, via: Via): 'added' | 'duplicate' | 'pending' {
    const key = orderKeyOf(msg)
    if (msg.type === 'NoBid') return this.ingestNoBid(msg, key, via)
    const auction = this.book.get(key)
    const now = this.modules.clock.now()
    if (via !== 'store') checkTimely(msg, auction?.order, now, this.opts.params, via)
    let result: 'added' | 'duplicate' | 'pending'
    try {
      result = this.book.add(msg, via === 'store' ? undefined : now)
    } catch (err) {
      // equivocations are kept as evidence: persist what the book holds, report it, then reject
      const a = this.book.get(key)
      if (via !== 'store' && a?.messages().includes(msg) === true) this.persist(msg, key)
      if (a !== undefined) this.reportConflicts(a)
      throw err
    }
    if (result === 'duplicate') return result
    if (via !== 'store') this.persist(msg, key)
    if (result === 'pending') {
      if (via === 'store') return result
      void this.sync.syncOrder(key)
      // [IGNORE] kept here, but not relayed until its context is known
      throw new MarketError('UNKNOWN_ORDER', `${msg.type} waits for a message not seen here; kept, not relayed`, 'IGNORE')
    }
    const a = this.book.get(key)
    if (a !== undefined) this.reportConflicts(a)
    if (via !== 'store') setImmediate(() => { void this.react(msg, key) })
    return result
  }

  private ingestNoBid (msg: SignedMessage<'NoBid'>, key: string, via: Via): 'added' | 'duplicate' | 'pending' {
    const a = this.book.get(key)
    // [IGNORE] reasons for an order this node does not know are neither kept nor relayed
    if (a?.order === undefined) throw new MarketError('UNKNOWN_ORDER', 'no-bid reasons for an unknown order', 'IGNORE')
    const final = deadlinesOf(a.order.body, this.opts.params).finalUntil + this.opts.params.maxClockSkewMs
    // [IGNORE] after the order is final its reasons change nothing
    if (via !== 'store' && this.modules.clock.now() > final) throw new MarketError('ARRIVED_LATE', 'no-bid reasons after the order became final', 'IGNORE')
    const r = this.noBids.add(key, msg)
    if (r === 'duplicate') return 'duplicate'
    // [IGNORE] bounded per order and in total
    if (r === 'full') throw new MarketError('ORDER_BIDDERS_FULL', 'this order holds as many no-bid reasons as it keeps', 'IGNORE')
    if (via !== 'store') {
      this.persist(msg, key)
      this.emit('update', key)
    }
    return 'added'
  }

  private persist (msg: AnySignedMessage, orderId: string): void {
    this.modules.store.putMessage({ id: toHex(msg.id), orderId, type: msg.type, bytes: msg.bytes, receivedAt: this.modules.clock.now() })
  }

  /** Messages from a sync response or a manifest reply: decoded, checked, ingested. */
  private ingestBytes (bytes: Uint8Array): void {
    this.ingestBatch([bytes])
  }

  /**
   * A batch (a sync response): orders first, whatever order the server sent, so that no-bid
   * reasons and the rest find their order; parked messages are retried as context arrives.
   */
  private ingestBatch (items: Uint8Array[]): void {
    const msgs: MarketMessage[] = []
    for (const bytes of items) {
      try {
        const msg = decodeEnvelope(bytes)
        if (!(MARKET_TYPES as readonly string[]).includes(msg.type)) continue
        checkContext(msg, { networkId: this.opts.network.id, now: this.modules.clock.now(), maxClockSkewMs: this.opts.network.maxClockSkewMs })
        msgs.push(msg as MarketMessage)
      } catch (err) {
        if (!isSkymeshError(err)) this.modules.logger.warn('sync ingest failed', { error: errorMessage(err) })
      }
    }
    const rank = (m: MarketMessage): number => (m.type === 'Order' ? 0 : m.type === 'NoBid' ? 2 : 1)
    for (const m of msgs.sort((a, b) => rank(a) - rank(b))) {
      try {
        this.ingest(m, 'sync')
      } catch (err) {
        if (!isSkymeshError(err)) this.modules.logger.warn('sync ingest failed', { error: errorMessage(err) })
      }
    }
  }

  /**
   * Conflicting messages (two orders, commits, seals or awards by one key) become Evidence that
   * any node checks alone and every node applies the same way. A short random delay lets one
   * node's evidence arrive before many nodes publish their own copies.
   */
  private reportConflicts (a: Auction): void {
    for (const c of a.takeConflicts()) {
      if (this.reporting.has(c.key) || a.hasEvidence(c.key)) continue
      this.reporting.add(c.key)
      setTimeout(() => { void this.publishEvidence(a, c) }, Math.floor(Math.random() * 200)).unref()
    }
  }

  private async publishEvidence (a: Auction, c: Conflict): Promise<void> {
    try {
      if (!this.started || a.hasEvidence(c.key)) return
      const ev = signMessage(this.modules.key, 'Evidence', { net: this.opts.network.id, createdAt: this.modules.clock.now(), orderId: fromHexStrict(a.orderIdHex), first: c.first.bytes, second: c.second.bytes })
      await this.publish(ev)
    } catch (err) {
      this.modules.logger.debug('evidence not published', { orderId: a.orderIdHex, error: errorMessage(err) })
    } finally {
      this.reporting.delete(c.key)
      this.noteOutcome(a.orderIdHex)
    }
  }

  /** Rebuild every auction, bid and deployment from the store (start-up after a stop or a crash). */
  private restore (): void {
    for (const m of this.modules.store.messages()) {
      try {
        const msg = decodeEnvelope(m.bytes, { verify: false }) as MarketMessage
        // messages of another network (an older protocol or other parameters) are not ours
        if (msg.body.net !== this.opts.network.id) continue
        if (msg.type === 'NoBid' && equalBytes(msg.signer, this.modules.key.publicKey)) this.modules.bidEngine?.remember(toHex(msg.body.orderId), msg.body.reasons)
        this.ingest(msg, 'store')
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
        if (a?.order !== undefined && commit !== undefined) {
          engine.restore(a.order, commit, b.price)
          if (a.seal !== undefined) engine.noteSeal(b.orderId, a.sealedCommits().map((c) => c.id))
        }
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
      if (a?.order === undefined || a.seal === undefined || now > a.order.body.revealUntil + this.opts.params.maxClockSkewMs) continue
      const mine = a.revealList().some((r) => equalBytes(r.signer, this.modules.key.publicKey))
      if (!mine) await this.onSeal(engine, a)
    }
  }

  /** A seal for an order we hold capacity for: reveal if it names our commit, else release. */
  private async onSeal (engine: BidEngine, a: Auction): Promise<void> {
    const held = engine.holdOf(a.orderIdHex)
    const reveal = engine.onSeal(a.orderIdHex, a.sealedCommits().map((c) => c.id))
    this.holdChanged(a.orderIdHex, held)
    if (reveal !== undefined) await this.publish(reveal)
  }

  // ---- reactions ---------------------------------------------------------------------------

  private async react (msg: AuctionMessage, key: string): Promise<void> {
    try {
      const engine = this.modules.bidEngine
      const a = this.book.get(key)
      if (engine !== undefined && msg.type === 'Order') await this.considerOrder(engine, msg)
      if (engine !== undefined && msg.type === 'Seal' && a !== undefined) await this.onSeal(engine, a)
      if (engine !== undefined && msg.type === 'Award' && a !== undefined) await this.complainIfLeftOut(a)
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

  /** The award left out our reveal although it would have won: say so, signed, for every node to check. */
  private async complainIfLeftOut (a: Auction): Promise<void> {
    const me = toHex(this.modules.key.publicKey)
    const om = a.omissions()
    for (const commitId of om.cheaperLeftOut) {
      const reveal = a.revealList().find((r) => toHex(r.body.commitId) === commitId)
      if (reveal === undefined || toHex(reveal.signer) !== me || a.complaintList().some((c) => toHex(c.signer) === me)) continue
      await this.publish(signMessage(this.modules.key, 'Complaint', { net: this.opts.network.id, createdAt: this.modules.clock.now(), orderId: fromHexStrict(a.orderIdHex), reveal: reveal.bytes }))
    }
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
    if (o.status === 'leased' && o.lease.state === 'awarded' && equalBytes(o.lease.tenant, this.modules.key.publicKey) && !a.isFinal(this.modules.clock.now())) {
      void this.manifest.deliver(key, o.lease)
    }
    // this provider's lease ended (closed, or voided by evidence after it ran): remove its containers
    const workloads = this.modules.workloads
    if (workloads !== undefined && this.modules.store.get(`manifest:${key}`) !== undefined) {
      const ended = o.status === 'void' || (o.status === 'leased' && o.lease.state === 'closed' && equalBytes(o.lease.provider, this.modules.key.publicKey))
      if (ended) void workloads.close(`${key}/${toHex(this.modules.key.publicKey)}`)
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
      for (const id of this.modules.bidEngine?.expire() ?? []) this.holdChanged(id, 'commit')
      this.housekeeping()
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
          Promise.all(gaps.map(async (id) => await this.sync.syncOrder(id, true, signal))),
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

  /**
   * Once a second: count orders that became final (reputation), release a lease its provider
   * never accepted, and prune orders final for longer than the retention period, from memory
   * and from the store, so memory and restart time follow live state, not history.
   */
  private housekeeping (): void {
    const now = this.modules.clock.now()
    if (now - this.lastHousekeeping < 1000) return
    this.lastHousekeeping = now
    if (now - this.lastRefresh >= this.opts.refreshEveryMs) {
      this.lastRefresh = now
      void this.sync.refresh(this.opts.refreshWindowMs)
    }
    const engine = this.modules.bidEngine
    for (const a of this.book.auctionList()) {
      if (!a.isFinal(now) || this.reputation.isRecorded(a.orderIdHex)) continue
      this.reputation.record(a, now)
      const o = a.outcome()
      if (engine !== undefined && o.status === 'leased' && o.lease.state === 'awarded' && engine.release(a.orderIdHex)) this.holdChanged(a.orderIdHex, 'lease')
      this.emit('update', a.orderIdHex)
    }
    const dropped = this.book.prune(now, this.opts.retentionMs)
    if (dropped.length > 0) {
      this.modules.store.deleteOrders(dropped)
      this.noBids.forget(dropped)
      this.sync.forget(dropped)
      this.tenant?.forget(dropped)
      for (const id of dropped) {
        this.lastStatus.delete(id)
        this.presynced.delete(`${id}:seal`)
        this.presynced.delete(`${id}:award`)
      }
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
    const d = deadlinesOf(order.body, this.opts.params)
    const last = m.type === 'Seal' ? d.revealUntil : d.awardUntil
    const window = m.type === 'Seal' ? d.revealUntil - d.commitUntil : d.awardUntil - d.revealUntil
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
    const d = deadlinesOf(order.body, this.opts.params)
    const step = a.seal === undefined ? 'seal' : 'award'
    const due = step === 'seal'
      ? now >= d.commitUntil && now <= d.revealUntil
      : now >= d.revealUntil && now <= d.awardUntil && a.revealList().length < a.sealedCommits().length
    const key = `${orderId}:${step}`
    if (!due || this.presynced.has(key)) return false
    this.presynced.add(key)
    return true
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

  // ---- views -------------------------------------------------------------------------------

  orderView (orderId: string): OrderView | undefined {
    const a = this.book.get(orderId)
    if (a === undefined) return undefined
    return orderViewOf(a, {
      now: this.modules.clock.now(),
      blockMs: this.opts.network.blockMs,
      self: this.modules.key.publicKey,
      noBids: this.noBids.of(orderId),
      myReasons: this.modules.bidEngine?.reasons(orderId),
      ...withFailure(this.manifest.failure(orderId))
    })
  }

  orders (): OrderView[] {
    return this.book.orderIds().map((id) => this.orderView(id)).filter((v): v is OrderView => v !== undefined)
      .sort((a, b) => b.commitUntil - a.commitUntil || a.orderId.localeCompare(b.orderId))
  }

  leases (): LeaseView[] {
    return this.orders().flatMap((o) => (o.lease === undefined ? [] : [o.lease]))
  }

  leaseView (order: SignedMessage<'Order'>, lease: Lease): LeaseView {
    const a = this.book.get(toHex(lease.orderId))
    if (a === undefined) throw new MarketServiceError('UNKNOWN_LEASE', `no lease ${lease.leaseId} here`, { badInput: true })
    return leaseViewOf(a, order, lease, { now: this.modules.clock.now(), blockMs: this.opts.network.blockMs, ...withFailure(this.manifest.failure(toHex(lease.orderId))) })
  }

  providerReputation (account: string): ProviderReputation {
    return this.reputation.provider(account)
  }

  tenants (): TenantView[] {
    return this.reputation.tenants()
  }
}

function withFailure (f: { code: string, message: string } | undefined): { failure?: { code: string, message: string } } {
  return f === undefined ? {} : { failure: f }
}

function fromHexStrict (hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** `--max-price`: uact per block as a decimal, with or without the denom ("1000", "0.5uact"). */
export function parseMaxPrice (s: string): Price {
  const m = /^\s*(\d{1,20}(?:\.\d{1,18})?)\s*(uact)?\s*$/.exec(s)
  if (m === null) throw new MarketServiceError('BAD_MAX_PRICE', `max price ${JSON.stringify(s.slice(0, 40))}: expected uact per block, e.g. 1000 or 1000uact`, { badInput: true })
  const amount = decimalToWire(m[1] as string)
  if (amount === 0n) throw new MarketServiceError('BAD_MAX_PRICE', 'max price must be above zero', { badInput: true })
  return { denom: 'uact', amount }
}
