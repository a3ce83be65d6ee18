import type { GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import type { PeerId } from '@libp2p/interface'
import { loadNodeConfig, type SkymeshConfig } from '../config/index.js'
import { defaultHardwareOptions, probeHardware, type ProbeResult } from '../hardware/index.js'
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
import { ALL_TOPICS } from '../wire/index.js'
import { AnnounceLoop } from './announce.js'
import { ProviderDiscovery } from './discovery.js'
import { ProviderDirectory, defaultProviderDirectoryOptions } from './provider-directory.js'
import { rolesFromUserAgent, userAgentOf, type Role } from './roles.js'
import { removeRuntimeFile, writeRuntimeFile, type RuntimeFile } from './runtime-file.js'
import { skymeshVersion } from './version.js'
import type { GossipView, NodeStatus, PeerView, ProviderView } from './views.js'

export interface SkymeshNodeOptions {
  dataDir: string
  /** command-line overrides of config.node */
  listen?: string[]
  bootstrap?: string[]
  roles?: Role[]
  /** gossipsub overrides (benchmarks) */
  gossip?: Partial<GossipsubOpts>
}

export interface SkymeshNodeModules {
  logger: Logger
  clock: Clock
  /** hardware probe of the provider role; the real probe by default */
  probe: () => Promise<ProbeResult>
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
    const loaded = await loadNodeConfig(opts.dataDir)
    const config: SkymeshConfig = {
      ...loaded,
      node: {
        ...loaded.node,
        ...(opts.listen !== undefined && opts.listen.length > 0 ? { listen: opts.listen } : {}),
        ...(opts.bootstrap !== undefined && opts.bootstrap.length > 0 ? { bootstrap: opts.bootstrap } : {}),
        ...(opts.roles !== undefined && opts.roles.length > 0 ? { roles: opts.roles } : {})
      }
    }
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
    try {
      await node.start()
    } catch (err) {
      await node.close().catch(() => {})
      throw err
    }
    return node
  }

  private async start (): Promise<void> {
    const { libp2p, gossip, config, modules } = this
    const log = modules.logger

    gossip.registerValidator('ProviderAnnounce', (msg) => {
      validateProviderAnnounce(msg, this.directory.latestSeq(accountIdOf(msg.signer)))
    })
    gossip.onMessage('ProviderAnnounce', (msg, ctx) => { this.directory.upsert(msg, ctx.local ? 'self' : 'gossip') })

    await libp2p.start()
    this.cleanups.push(async () => { await libp2p.stop() })
    gossip.start()
    this.cleanups.push(() => { gossip.stop() })

    const keeper = new ConnectionKeeper({
      bootstrap: config.node.bootstrap,
      minPeers: config.node.minPeers,
      intervalMs: config.node.bootstrapRedialMs,
      dialTimeoutMs: 5_000,
      maxDialsPerRound: 4
    }, { libp2p, logger: log })
    keeper.start()
    this.cleanups.push(() => { keeper.stop() })

    const discovery = new ProviderDiscovery({ intervalMs: config.node.discoveryIntervalMs, retryBaseMs: 1_000 }, {
      records: this.records,
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

    if (config.node.roles.includes('provider')) {
      const announce = new AnnounceLoop({
        networkId: config.network.id,
        intervalMs: config.provider.announceIntervalMs,
        probeIntervalMs: config.provider.probeIntervalMs,
        reserved: { cpuMillicores: config.provider.reserved.cpu, memoryBytes: config.provider.reserved.memory, storageBytes: config.provider.reserved.storage },
        operatorAttributes: Object.entries(config.provider.attributes).map(([k, v]) => ({ key: k, value: v })),
        retryBaseMs: 1_000,
        debounceMs: 250
      }, {
        key: this.key,
        clock: modules.clock,
        logger: log.child({ module: 'announce' }),
        probe: modules.probe,
        addrs: () => libp2p.getMultiaddrs().map((a) => a.toString()),
        publish: async (msg) => await gossip.publish(msg),
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

    const kad = kadProtocol({ protocolPrefix: config.network.protocolPrefix, networkId: config.network.id })
    const onIdentify = (evt: CustomEvent<{ protocols: string[] }>): void => {
      if (evt.detail.protocols.includes(kad) && discovery.rounds === 0) discovery.kick()
      this.announce?.peerAppeared()
    }
    const onSelfUpdate = (): void => {
      this.announce?.trigger('addresses')
      void this.writeRuntimeFile().catch((err: unknown) => { log.warn('cannot update the runtime file', { error: errorMessage(err) }) })
    }
    libp2p.addEventListener('peer:identify', onIdentify)
    libp2p.addEventListener('self:peer:update', onSelfUpdate)
    this.cleanups.push(() => {
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('self:peer:update', onSelfUpdate)
    })
    log.info('node started', { peerId: this.key.accountId, roles: config.node.roles, network: config.network.id })
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

  async writeRuntimeFile (): Promise<void> {
    if (this.closed) return
    await writeRuntimeFile(this.dataDir, this.runtimeInfo())
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
      available: e.msg.body.available
    }))
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
    await removeRuntimeFile(this.dataDir)
  }
}

function isRelayed (c: { remoteAddr: { toString(): string }, limits?: unknown }): boolean {
  return c.limits !== undefined || c.remoteAddr.toString().includes('/p2p-circuit')
}
