import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import type { PeerId } from '@libp2p/interface'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { consensusParamsOf, loadNodeConfig, type SkymeshConfig } from '../config/index.js'
import { defaultHardwareOptions, probeHardware, providerAttributes, type ProbeResult } from '../hardware/index.js'
import { accountIdOf, loadOrCreateKey, type NodeKey } from '../identity/index.js'
import {
  ConnectionKeeper, GossipService, ProviderRecords, announceRecordSelector, announceRecordValidator,
  createMeshNode, defaultProviderRecordsOptions, kadProtocol, parseBootstrapAddr, providerRecordNamespace,
  validateProviderAnnounce, type MeshLibp2p, type NetworkNames
} from '../p2p/index.js'
import { toHex } from '../util/bytes.js'
import { systemClock, type Clock } from '../util/clock.js'
import { errorMessage } from '../util/errors.js'
import { createLogger, type Logger } from '../util/logger.js'
import { BidEngine, PricingError, auctionParamsFrom, defaultPricing, parsePricing, type PricingConfig } from '../market/index.js'
import { ALL_TOPICS } from '../wire/index.js'
import { AnnounceLoop } from './announce.js'
import { MarketService, parseMaxPrice } from './market/index.js'
import { LeaseInfoProtocol, ProviderWorkloads } from './workloads/index.js'
import { LeaseInfoError } from './workloads/lease-info.js'
import type { LeaseStatus, LogLine } from '../workload/index.js'
import { ProviderDiscovery } from './discovery.js'
import { ProviderDirectory, defaultProviderDirectoryOptions } from './provider-directory.js'
import { rolesFromUserAgent, userAgentOf, type Role } from './roles.js'
import { removeRuntimeFile, writeRuntimeFile, type RuntimeFile } from './runtime-file.js'
import { STORE_FILE_NAME, Store } from './store.js'
import { skymeshVersion } from './version.js'
import type { GossipView, LeaseView, NodeStatus, OrderView, PeerView, ProviderView, TenantView } from './views.js'

export interface SkymeshNodeOptions {
  dataDir: string
  /** command-line overrides of config.node */
  listen?: string[]
  bootstrap?: string[]
  roles?: Role[]
  /** provider role: pricing file (overrides config provider.pricing) */
  pricing?: string
  /** provider role: operator attributes (override config provider.attributes key by key) */
  attributes?: Record<string, string>
  /** gossipsub overrides (benchmarks) */
  gossip?: Partial<GossipsubOpts>
}

export interface SkymeshNodeModules {
  logger: Logger
  clock: Clock
  /** hardware probe of the provider role; the real probe by default */
  probe: () => Promise<ProbeResult>
}

function noWorkloads (): never {
  throw new LeaseInfoError('NO_WORKLOADS', 'this node runs no workloads (it is not a provider)', { badInput: false })
}

/** The command line's overrides over the loaded config (flags win over config.yaml). */
function withCommandLine (loaded: SkymeshConfig, opts: SkymeshNodeOptions): SkymeshConfig {
  return {
    ...loaded,
    node: {
      ...loaded.node,
      ...(opts.listen !== undefined && opts.listen.length > 0 ? { listen: opts.listen } : {}),
      ...(opts.bootstrap !== undefined && opts.bootstrap.length > 0 ? { bootstrap: opts.bootstrap } : {}),
      ...(opts.roles !== undefined && opts.roles.length > 0 ? { roles: opts.roles } : {})
    },
    provider: {
      ...loaded.provider,
      ...(opts.pricing !== undefined ? { pricing: opts.pricing } : {}),
      attributes: { ...loaded.provider.attributes, ...(opts.attributes ?? {}) }
    }
  }
}

/**
 * Composition root of a node: config, key, libp2p, gossip (with the providers topic's
 * validator), provider directory, DHT records, bootstrap keeper, discovery and, for providers,
 * the announce loop. close() tears them down in reverse order.
 */
export class SkymeshNode {
  readonly startedAt = new Date()
  readonly directory: ProviderDirectory
  private apiUrl = ''
  private readonly cleanups: Array<() => Promise<void> | void> = []
  private closed = false
  private announce: AnnounceLoop | undefined
  private discovery: ProviderDiscovery | undefined
  private market: MarketService | undefined
  private runtimeWrite: Promise<void> = Promise.resolve()
  private latestProbe: ProbeResult | undefined
  private pricing: PricingConfig | undefined
  private workloads: ProviderWorkloads | undefined
  private leaseInfo: LeaseInfoProtocol | undefined

  private constructor (
    readonly dataDir: string,
    readonly config: SkymeshConfig,
    readonly key: NodeKey,
    readonly libp2p: MeshLibp2p,
    readonly gossip: GossipService,
    readonly records: ProviderRecords,
    private readonly modules: SkymeshNodeModules
  ) {
    this.directory = new ProviderDirectory(defaultProviderDirectoryOptions, { clock: modules.clock })
  }

  static async init (opts: SkymeshNodeOptions, modules: Partial<SkymeshNodeModules> = {}): Promise<SkymeshNode> {
    const config = withCommandLine(await loadNodeConfig(opts.dataDir), opts)
    // The pricing file is the user's input too: a bad one stops the start with its key named.
    const pricing = config.node.roles.includes('provider') ? await loadPricing(config.provider.pricing, opts.dataDir) : undefined
    // Bad bootstrap addresses are the user's input: report them before anything starts.
    for (const b of config.node.bootstrap) parseBootstrapAddr(b)
    const logger = modules.logger ?? createLogger(config.node.logLevel)
    const clock = modules.clock ?? systemClock
    const probe = modules.probe ?? (async () => await probeHardware({ ...defaultHardwareOptions.probe, pathEnv: process.env.PATH ?? '' }))
    const { key } = await loadOrCreateKey(opts.dataDir)
    const names: NetworkNames = { protocolPrefix: config.network.protocolPrefix, networkId: config.network.id }
    const roles = config.node.roles

    const libp2p = await createMeshNode({
      privateKey: key.privateKey,
      network: names,
      listen: config.node.listen,
      bootstrap: config.node.bootstrap,
      ...(roles.includes('relay') ? { relayServer: config.relay } : {}),
      // A node only reachable through a relay cannot serve DHT queries well: it stays a client.
      dhtServer: config.node.listen.some((a) => !a.includes('/p2p-circuit')),
      userAgent: userAgentOf(skymeshVersion(), roles),
      dhtValidators: { [providerRecordNamespace(names)]: announceRecordValidator(names) },
      dhtSelectors: { [providerRecordNamespace(names)]: announceRecordSelector(names) },
      start: false,
      ...(opts.gossip !== undefined ? { gossip: opts.gossip } : {})
    })
    const gossip = new GossipService({
      networkId: config.network.id,
      protocolPrefix: config.network.protocolPrefix,
      maxClockSkewMs: config.network.maxClockSkewMs
    }, { pubsub: libp2p.services.pubsub, clock, logger: logger.child({ module: 'gossip' }) })
    const records = new ProviderRecords({ ...names, ...defaultProviderRecordsOptions }, { dht: libp2p.services.dht, logger: logger.child({ module: 'dht' }) })
    const node = new SkymeshNode(opts.dataDir, config, key, libp2p, gossip, records, { logger, clock, probe })
    node.pricing = pricing
    try {
      await node.start()
    } catch (err) {
      await node.close().catch(() => {})
      throw err
    }
    return node
  }

  /**
   * Start every part in dependency order: the market (store rebuilt before any gossip arrives),
   * libp2p and gossip, the bootstrap keeper, discovery, the provider's announces, then the
   * events that connect them. Each step registers its own teardown.
   */
  private async start (): Promise<void> {
    const { config, modules } = this
    this.gossip.registerValidator('ProviderAnnounce', (msg) => {
      validateProviderAnnounce(msg, this.directory.latestSeq(accountIdOf(msg.signer)))
    })
    this.gossip.onMessage('ProviderAnnounce', (msg, ctx) => { this.directory.upsert(msg, ctx.local ? 'self' : 'gossip') })
    // A provider with no inventory cannot bid: the first probe fails the start.
    if (config.node.roles.includes('provider')) this.latestProbe = await modules.probe()
    const workloads = await this.startWorkloads()
    const bidEngine = this.makeBidEngine(workloads)
    const market = await this.startMarket(bidEngine, workloads)
    await this.startLeaseInfo(market, workloads)
    await this.libp2p.start()
    this.cleanups.push(async () => { await this.libp2p.stop() })
    this.gossip.start()
    this.cleanups.push(() => { this.gossip.stop() })
    this.startKeeper()
    const discovery = this.startDiscovery()
    if (bidEngine !== undefined) await this.startAnnounces(bidEngine)
    this.connectEvents(market, discovery, bidEngine)
    modules.logger.info('node started', { peerId: this.key.accountId, roles: config.node.roles, network: config.network.id })
  }

  private operatorAttributes (): Array<{ key: string, value: string }> {
    return Object.entries(this.config.provider.attributes).map(([k, v]) => ({ key: k, value: v }))
  }

  private reserved (): { cpuMillicores: number, memoryBytes: number, storageBytes: number } {
    const r = this.config.provider.reserved
    return { cpuMillicores: r.cpu, memoryBytes: r.memory, storageBytes: r.storage }
  }

  /** A provider's container runtime (or why there is none): before anything bids. */
  private async startWorkloads (): Promise<ProviderWorkloads | undefined> {
    const { config, modules } = this
    if (!config.node.roles.includes('provider')) return undefined
    const workloads = new ProviderWorkloads({
      mode: config.provider.workloads,
      publishHost: config.provider.publishHost,
      pullPolicy: config.provider.pullPolicy,
      allowedRegistries: config.provider.allowedRegistries,
      ...(config.provider.runtimeEndpoint !== null ? { endpoint: config.provider.runtimeEndpoint } : {})
    }, { logger: modules.logger.child({ module: 'workload' }) })
    await workloads.start()
    this.workloads = workloads
    this.cleanups.push(() => { workloads.stop() })
    return workloads
  }

  /** The lease status and logs protocol: providers answer their leases' tenants; tenants ask. */
  private async startLeaseInfo (market: MarketService, workloads: ProviderWorkloads | undefined): Promise<void> {
    const { config } = this
    const info = new LeaseInfoProtocol(`/${config.network.protocolPrefix}/${config.network.id}/lease/1.0.0`, {
      libp2p: this.libp2p,
      tenantOf: (leaseId) => {
        const l = market.leases().find((x) => x.leaseId === leaseId)
        return l !== undefined && l.provider === this.key.accountId ? l.tenant : undefined
      },
      status: async (leaseId) => await (workloads ?? noWorkloads()).status(leaseId),
      logs: async (leaseId, opts) => await (workloads ?? noWorkloads()).logs(leaseId, opts)
    })
    await info.start()
    this.leaseInfo = info
    this.cleanups.push(async () => { await info.stop() })
  }

  private makeBidEngine (workloads: ProviderWorkloads | undefined): BidEngine | undefined {
    const { config, modules } = this
    if (!config.node.roles.includes('provider')) return undefined
    return new BidEngine({
      pricing: this.pricing ?? defaultPricing,
      blockMs: config.network.blockMs,
      attributes: providerAttributes(this.latestProbe as ProbeResult, this.operatorAttributes()),
      reserved: this.reserved(),
      params: auctionParamsFrom(config.network),
      maxHoldMs: config.provider.maxHoldMs
    }, { key: this.key, clock: modules.clock, probe: () => this.latestProbe as ProbeResult, ...(workloads !== undefined ? { readiness: () => workloads.readiness() } : {}) })
  }

  /** The store is opened and every auction rebuilt before any gossip arrives. */
  private async startMarket (bidEngine: BidEngine | undefined, workloads: ProviderWorkloads | undefined): Promise<MarketService> {
    const { config, modules } = this
    const store = Store.open(join(this.dataDir, STORE_FILE_NAME))
    this.cleanups.push(() => { store.close() })
    const market = new MarketService({
      network: config.network,
      params: auctionParamsFrom(config.network),
      tenant: config.node.roles.includes('tenant'),
      retentionMs: config.node.retentionMs,
      excludeMinSealed: config.tenant.excludeMinSealed,
      excludeUnrevealedPercent: config.tenant.excludeUnrevealedPercent
    }, {
      libp2p: this.libp2p,
      gossip: this.gossip,
      store,
      key: this.key,
      clock: modules.clock,
      logger: modules.logger.child({ module: 'market' }),
      ...(bidEngine !== undefined ? { bidEngine } : {}),
      ...(workloads !== undefined ? { workloads } : {}),
      providerAddrs: (id) => this.directory.get(id)?.msg.body.addrs ?? []
    })
    this.market = market
    await market.start()
    this.cleanups.push(async () => { await market.stop() })
    return market
  }

  private startKeeper (): void {
    const { config, modules } = this
    const keeper = new ConnectionKeeper({
      bootstrap: config.node.bootstrap,
      minPeers: config.node.minPeers,
      intervalMs: config.node.bootstrapRedialMs,
      dialTimeoutMs: 5_000,
      maxDialsPerRound: 4
    }, { libp2p: this.libp2p, logger: modules.logger })
    keeper.start()
    this.cleanups.push(() => { keeper.stop() })
  }

  private startDiscovery (): ProviderDiscovery {
    const { config, modules } = this
    const log = modules.logger
    const discovery = new ProviderDiscovery({ intervalMs: config.node.discoveryIntervalMs, retryBaseMs: 1_000 }, {
      records: this.records,
      // an announce that came within one announce interval is as new as the DHT's copy
      fresh: (id) => {
        const e = this.directory.get(id)
        return e !== undefined && modules.clock.now() - e.receivedAt < config.provider.announceIntervalMs
      },
      dhtPeers: () => this.dhtRoutingTableSize(),
      accept: (msg) => {
        try {
          validateProviderAnnounce(msg, undefined)
          this.directory.upsert(msg, 'dht')
        } catch (err) {
          log.debug('DHT announce record dropped', { error: errorMessage(err) })
        }
      },
      logger: log
    })
    this.discovery = discovery
    discovery.start()
    this.cleanups.push(() => { discovery.stop() })
    return discovery
  }

  private async startAnnounces (bidEngine: BidEngine): Promise<void> {
    const { config, modules } = this
    let first = true
    const announce = new AnnounceLoop({
      networkId: config.network.id,
      intervalMs: config.provider.announceIntervalMs,
      probeIntervalMs: config.provider.probeIntervalMs,
      reserved: this.reserved(),
      operatorAttributes: this.operatorAttributes(),
      retryBaseMs: 1_000,
      debounceMs: 250
    }, {
      key: this.key,
      clock: modules.clock,
      logger: modules.logger.child({ module: 'announce' }),
      // the start-up probe is reused once; later re-probes also feed the bid engine
      probe: async () => {
        if (!first) this.latestProbe = await modules.probe()
        first = false
        return this.latestProbe as ProbeResult
      },
      // available capacity net of what open commits and leases hold
      inventory: () => bidEngine.inventory(),
      runtime: () => this.workloads?.runtimeLabel() ?? 'none',
      addrs: () => this.libp2p.getMultiaddrs().map((a) => a.toString()),
      publish: async (msg) => await this.gossip.publish(msg),
      putRecord: async (msg, signal) => {
        // An empty routing table would make the put wait for its timeout: fail fast, retry later.
        if (this.dhtRoutingTableSize() === 0) throw new Error('no DHT peers yet')
        await this.records.publish(msg, signal)
      }
    })
    this.announce = announce
    this.cleanups.push(async () => { await announce.stop() })
    await announce.start()
  }

  /** Identify, disconnects, address changes and capacity changes, to the parts that react. */
  private connectEvents (market: MarketService, discovery: ProviderDiscovery, bidEngine: BidEngine | undefined): void {
    const { libp2p, config } = this
    const log = this.modules.logger
    const kad = kadProtocol({ protocolPrefix: config.network.protocolPrefix, networkId: config.network.id })
    const onIdentify = (evt: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
      if (evt.detail.protocols.includes(kad) && discovery.rounds === 0) discovery.kick()
      this.announce?.peerAppeared()
      market.peerAppeared(evt.detail.peerId, evt.detail.protocols)
    }
    // capacity changes (a commit held or released, a lease won or closed): announce it
    const onMarketUpdate = (): void => { if (bidEngine !== undefined) this.announce?.trigger('capacity') }
    market.on('capacity', onMarketUpdate)
    const onSelfUpdate = (): void => {
      this.announce?.trigger('addresses')
      void this.writeRuntimeFile().catch((err: unknown) => { log.warn('cannot update the runtime file', { error: errorMessage(err) }) })
    }
    const onDisconnect = (evt: CustomEvent<PeerId>): void => { market.peerGone(evt.detail) }
    libp2p.addEventListener('peer:identify', onIdentify)
    libp2p.addEventListener('peer:disconnect', onDisconnect)
    libp2p.addEventListener('self:peer:update', onSelfUpdate)
    this.cleanups.push(() => {
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      libp2p.removeEventListener('self:peer:update', onSelfUpdate)
      market.off('capacity', onMarketUpdate)
    })
  }

  get roles (): Role[] {
    return this.config.node.roles
  }

  multiaddrs (): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString())
  }

  /** Record the API's URL and write node.json, where `skymesh status` and friends look. */
  async setApiUrl (url: string): Promise<void> {
    this.apiUrl = url
    await this.writeRuntimeFile()
  }

  runtimeInfo (): RuntimeFile {
    return {
      peerId: this.key.accountId,
      multiaddrs: this.multiaddrs(),
      api: this.apiUrl,
      pid: process.pid,
      roles: this.roles,
      network: this.config.network.id,
      startedAt: this.startedAt.toISOString()
    }
  }

  /** One write at a time, each with the info of its moment: the last one wins, whole. */
  async writeRuntimeFile (): Promise<void> {
    const write = this.runtimeWrite.catch(() => {}).then(async () => {
      if (!this.closed) await writeRuntimeFile(this.dataDir, this.runtimeInfo())
    })
    this.runtimeWrite = write
    await write
  }

  /** Announce now (provider role); resolves when the announce was published. */
  async announceNow (): Promise<void> {
    await this.announce?.announceNow('manual')
  }

  private dhtRoutingTableSize (): number {
    const dht = this.libp2p.services.dht as unknown as { routingTable?: { size: number } }
    return dht.routingTable?.size ?? 0
  }

  status (): NodeStatus {
    const conns = this.libp2p.getConnections()
    const relayed = conns.filter(isRelayed).length
    const pubsub = this.libp2p.services.pubsub
    const mesh: Record<string, number> = {}
    for (const t of ALL_TOPICS) mesh[this.gossip.topic(t)] = pubsub.getMeshPeers(this.gossip.topic(t)).length
    const relay = this.libp2p.services.relay
    return {
      peerId: this.key.accountId,
      network: this.config.network.id,
      networkParams: consensusParamsOf(this.config.network),
      version: skymeshVersion(),
      roles: this.roles,
      multiaddrs: this.multiaddrs(),
      api: this.apiUrl,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      peers: this.libp2p.getPeers().length,
      connections: { direct: conns.length - relayed, relayed },
      dht: { mode: this.libp2p.services.dht.getMode(), routingTable: this.dhtRoutingTableSize() },
      providers: this.directory.size,
      ...(relay !== undefined ? { relayReservations: relay.reservations.size } : {}),
      mesh,
      ...(this.announce?.state() !== undefined ? { announce: this.announce.state() } : {})
    }
  }

  async peers (): Promise<PeerView[]> {
    const byPeer = new Map<string, { id: PeerId, conns: ReturnType<MeshLibp2p['getConnections']> }>()
    for (const c of this.libp2p.getConnections()) {
      const k = c.remotePeer.toString()
      const e = byPeer.get(k) ?? { id: c.remotePeer, conns: [] }
      e.conns.push(c)
      byPeer.set(k, e)
    }
    const pubsub = this.libp2p.services.pubsub
    const out: PeerView[] = []
    for (const [peerId, { id, conns }] of byPeer) {
      let protocols: string[] = []
      let agent: string | null = null
      try {
        const p = await this.libp2p.peerStore.get(id)
        protocols = [...p.protocols].sort()
        const av = p.metadata.get('AgentVersion')
        if (av !== undefined) agent = new TextDecoder().decode(av)
      } catch { /* not identified yet */ }
      const direct = conns.find((c) => !isRelayed(c))
      const best = direct ?? conns[0]
      const rtts = conns.map((c) => c.rtt).filter((r): r is number => typeof r === 'number')
      out.push({
        peerId,
        addrs: conns.map((c) => c.remoteAddr.toString()),
        via: direct !== undefined ? 'direct' : 'relayed',
        direction: best?.direction ?? 'outbound',
        latencyMs: rtts.length > 0 ? Math.min(...rtts) : null,
        protocols,
        roles: rolesFromUserAgent(agent ?? undefined),
        agent,
        gossipScore: Math.round(pubsub.getScore(peerId) * 1000) / 1000
      })
    }
    return out.sort((a, b) => a.peerId.localeCompare(b.peerId))
  }

  providers (): ProviderView[] {
    return this.directory.list().map((e) => ({
      peerId: e.peerId,
      seq: e.msg.body.seq,
      createdAt: e.msg.body.createdAt,
      receivedAt: e.receivedAt,
      source: e.source,
      messageId: toHex(e.msg.id),
      addrs: e.msg.body.addrs,
      attributes: e.msg.body.attributes,
      total: e.msg.body.total,
      available: e.msg.body.available,
      runtime: e.msg.body.runtime,
      reputation: this.marketService.providerReputation(e.peerId)
    }))
  }

  /** Every tenant this node counted in final orders: what they left out, whether they equivocated. */
  tenants (): TenantView[] {
    return this.marketService.tenants()
  }

  /** The market of this node (every role keeps the auctions it sees). */
  get marketService (): MarketService {
    if (this.market === undefined) throw new Error('node not started')
    return this.market
  }

  orders (): OrderView[] {
    return this.marketService.orders()
  }

  order (orderId: string): OrderView | undefined {
    return this.marketService.orderView(orderId)
  }

  leases (): LeaseView[] {
    return this.marketService.leases()
  }

  /** Tenant role: one order per SDL group. `maxPrice` caps every group, uact per block ("1000" or "1000uact"). */
  async deploy (sdlText: string, opts: { maxPrice?: string } = {}): Promise<{ dseq: number, orderIds: string[] }> {
    const r = await this.marketService.deploy(sdlText, opts.maxPrice !== undefined ? { maxPrice: parseMaxPrice(opts.maxPrice) } : {})
    return { dseq: r.dseq, orderIds: r.orderIds }
  }

  onOrderUpdate (listener: (orderId: string) => void): () => void {
    const m = this.marketService
    m.on('update', listener)
    return () => { m.off('update', listener) }
  }

  /**
   * A lease's workload status: from this node's own runtime when it is the provider, from the
   * provider over the lease protocol when it is the tenant.
   */
  async leaseStatus (leaseId: string): Promise<LeaseStatus> {
    const { lease, local } = this.leaseParty(leaseId)
    if (local) return await this.localWorkloads().status(leaseId)
    const a = await this.need(this.leaseInfo).ask(lease.provider, { leaseId, op: 'status' })
    if (!('status' in a)) throw new LeaseInfoError('PROVIDER_ERROR', 'the provider answered with something else than a status', { badInput: false })
    return a.status
  }

  async leaseLogs (leaseId: string, opts: { service?: string, tail?: number }): Promise<LogLine[]> {
    const { lease, local } = this.leaseParty(leaseId)
    if (local) return await this.localWorkloads().logs(leaseId, opts)
    const a = await this.need(this.leaseInfo).ask(lease.provider, { leaseId, op: 'logs', ...opts })
    if (!('lines' in a)) throw new LeaseInfoError('PROVIDER_ERROR', 'the provider answered with something else than logs', { badInput: false })
    return a.lines
  }

  /** This provider's workloads, unless it runs none (then NO_WORKLOADS, as its tenants hear it). */
  private localWorkloads (): ProviderWorkloads {
    const w = this.workloads
    if (w === undefined || w.mode === 'off') throw new LeaseInfoError('NO_WORKLOADS', 'this provider runs no workloads (provider.workloads: off)', { badInput: false })
    return w
  }

  private leaseParty (leaseId: string): { lease: LeaseView, local: boolean } {
    const lease = this.leases().find((l) => l.leaseId === leaseId)
    if (lease === undefined) throw new LeaseInfoError('UNKNOWN_LEASE', `no lease ${leaseId.slice(0, 140)} here`)
    if (lease.provider === this.key.accountId) return { lease, local: true }
    if (lease.tenant !== this.key.accountId) throw new LeaseInfoError('NOT_A_PARTY', 'only the lease\'s tenant or provider can read its status and logs')
    return { lease, local: false }
  }

  private need<T> (v: T | undefined): T {
    if (v === undefined) throw new Error('node not started')
    return v
  }

  async closeLease (leaseId: string, reason: string): Promise<LeaseView> {
    return await this.marketService.closeLease(leaseId, reason)
  }

  gossipView (): GossipView {
    const pubsub = this.libp2p.services.pubsub
    const peers: GossipView['peers'] = {}
    for (const t of ALL_TOPICS) {
      const name = this.gossip.topic(t)
      peers[t] = { subscribers: pubsub.getSubscribers(name).length, mesh: pubsub.getMeshPeers(name).length }
    }
    return { ...this.gossip.counterSnapshot(), peers }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    while (this.cleanups.length > 0) {
      const c = this.cleanups.pop() as () => Promise<void> | void
      try {
        await c()
      } catch (err) {
        this.modules.logger.warn('error while stopping', { error: errorMessage(err) })
      }
    }
    await this.runtimeWrite.catch(() => {})
    await removeRuntimeFile(this.dataDir)
  }
}

function isRelayed (c: { remoteAddr: { toString(): string }, limits?: unknown }): boolean {
  return c.limits !== undefined || c.remoteAddr.toString().includes('/p2p-circuit')
}

/** The provider's pricing: a file (relative paths from the data directory) or the built-in one. */
async function loadPricing (file: string | null, dataDir: string): Promise<PricingConfig> {
  if (file === null) return defaultPricing
  const path = resolve(dataDir, file)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new PricingError('PRICING_NOT_FOUND', `cannot read the pricing file ${path}: ${errorMessage(err)}`, { details: { file: path } })
  }
  return parsePricing(text, path)
}
