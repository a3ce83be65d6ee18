import { networkIdOf } from './network-id.js'

/**
 * Embedded defaults: a node runs on these with no file at all. config/default.yaml documents the
 * same values (a test keeps the two equal).
 */
export interface NetworkConfig {
  /**
   * network id: in every message body and every topic; devnets never mix. Derived, never set:
   * `<name>-<16 hex digits of sha256 over the consensus parameters>` (networkIdOf), so two nodes
   * whose parameters would judge a message differently are never on the same network.
   */
  id: string
  /** the network's human name, the first part of its id */
  name: string
  /** first segment of protocol ids and topics: /<prefix>/<net>/... */
  protocolPrefix: string
  /** the pricing and settlement tick; about Akash's block time */
  blockMs: number
  /** messages created further in the future than this are dropped */
  maxClockSkewMs: number
  /** time from an order's creation until its commit deadline */
  commitWindowMs: number
  /** time from the commit deadline until the reveal deadline */
  revealWindowMs: number
  /** commits a seal may accept (wire hard cap: 128) */
  maxBidsPerOrder: number
  /** shortest award window after the reveal deadline (it grows to 5 reveal windows) */
  awardWindowMs: number
  /** longest award window: bounds how long an order can keep providers' capacity */
  maxAwardWindowMs: number
  /** after the award window: evidence, complaints and LeaseAccept are still taken, then the order is final */
  finalityMs: number
  /** longest an order may run from creation to its reveal deadline */
  maxOrderWindowMs: number
}

export interface NodeConfig {
  listen: string[]
  bootstrap: string[]
  /** HOST:PORT of the local API; port 0 picks a free one */
  api: string
  roles: Array<'provider' | 'tenant' | 'relay'>
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** how often the DHT is searched for provider announces (also once right after start) */
  discoveryIntervalMs: number
  /** how often bootstrap peers that are not connected are dialled again (and known peers, below minPeers) */
  bootstrapRedialMs: number
  /** below this many connected peers the node dials peers it knows of; gossipsub wants about 6 */
  minPeers: number
  /** final orders (without a running lease) are kept this long, then pruned from memory and disk */
  retentionMs: number
}

export interface ProviderConfig {
  /** operator attributes, e.g. region: eu-west */
  attributes: Record<string, string>
  /** kept back from what the probe finds */
  reserved: { cpu: number, memory: number, storage: number }
  /** pricing file (see config/pricing.example.yaml); null means built-in pricing */
  pricing: string | null
  /** periodic ProviderAnnounce (gossip and DHT record), besides announces on change */
  announceIntervalMs: number
  /** periodic hardware re-probe; a changed inventory is announced at once */
  probeIntervalMs: number
  /** longest this provider holds capacity for one order (commit to award deadline); longer orders get no bid */
  maxHoldMs: number
  /**
   * 'run': leases run as containers on a Docker Engine API runtime (Docker or Podman); with no
   * usable runtime the provider does not bid and says why. 'off': leases are accepted without
   * running anything (a devnet or a test mesh), and the node says so.
   */
  workloads: 'run' | 'off'
  /** the runtime's API endpoint (unix:///path or tcp://127.0.0.1:port); null: DOCKER_HOST or the usual sockets */
  runtimeEndpoint: string | null
  /** the host address leases' global ports are published on (and named in their endpoints) */
  publishHost: string
  /** when a lease's image is pulled: always, if-not-present (default), never (only local images) */
  pullPolicy: 'always' | 'if-not-present' | 'never'
  /** registry hosts lease images may come from ('docker.io', 'ghcr.io', 'localhost'); '*' = any */
  allowedRegistries: string[]
}

export interface TenantConfig {
  /** leave out of seals providers with at least this many sealed commits ... */
  excludeMinSealed: number
  /** ... of which more than this percentage were never revealed (100 disables) */
  excludeUnrevealedPercent: number
}

export interface RelayConfig {
  maxReservations: number
  reservationTtlMs: number
  /** per relayed connection */
  maxDataBytes: number
  maxDurationMs: number
}

export interface SkymeshConfig {
  network: NetworkConfig
  node: NodeConfig
  provider: ProviderConfig
  tenant: TenantConfig
  relay: RelayConfig
}

export const defaultConfig: SkymeshConfig = {
  network: {
    id: '',
    name: 'skymesh-local',
    protocolPrefix: 'skymesh',
    blockMs: 6000,
    maxClockSkewMs: 1000,
    commitWindowMs: 3000,
    revealWindowMs: 2000,
    maxBidsPerOrder: 64,
    awardWindowMs: 10_000,
    maxAwardWindowMs: 10 * 60 * 1000,
    finalityMs: 60_000,
    maxOrderWindowMs: 24 * 60 * 60 * 1000
  },
  node: {
    listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
    bootstrap: [],
    api: '127.0.0.1:0',
    roles: ['tenant'],
    logLevel: 'info',
    discoveryIntervalMs: 60_000,
    bootstrapRedialMs: 10_000,
    minPeers: 8,
    retentionMs: 24 * 60 * 60 * 1000
  },
  provider: {
    attributes: {},
    reserved: { cpu: 0, memory: 0, storage: 0 },
    pricing: null,
    announceIntervalMs: 60_000,
    probeIntervalMs: 10 * 60 * 1000,
    maxHoldMs: 15 * 60 * 1000,
    workloads: 'run',
    runtimeEndpoint: null,
    publishHost: '127.0.0.1',
    pullPolicy: 'if-not-present',
    allowedRegistries: ['*']
  },
  tenant: {
    excludeMinSealed: 5,
    excludeUnrevealedPercent: 50
  },
  relay: {
    maxReservations: 128,
    reservationTtlMs: 2 * 60 * 60 * 1000,
    // libp2p's defaults for relayed connections are 128 KiB / 2 min (STACK.md trap 6); market
    // streams are small, manifests up to 1 MiB, so the relay allows more and says so.
    maxDataBytes: 4 * 1024 * 1024,
    maxDurationMs: 10 * 60 * 1000
  }
}

defaultConfig.network.id = networkIdOf(defaultConfig.network)
