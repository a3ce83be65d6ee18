/**
 * Embedded defaults: a node runs on these with no file at all. config/default.yaml documents the
 * same values (a test keeps the two equal).
 */
export interface NetworkConfig {
  /** network id: in every message body and every topic; devnets never mix */
  id: string
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
  /** commits a seal may accept (wire hard cap: 256) */
  maxBidsPerOrder: number
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
  relay: RelayConfig
}

export const defaultConfig: SkymeshConfig = {
  network: {
    id: 'skymesh-local',
    protocolPrefix: 'skymesh',
    blockMs: 6000,
    maxClockSkewMs: 1000,
    commitWindowMs: 3000,
    revealWindowMs: 2000,
    maxBidsPerOrder: 64
  },
  node: {
    listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
    bootstrap: [],
    api: '127.0.0.1:0',
    roles: ['tenant'],
    logLevel: 'info',
    discoveryIntervalMs: 60_000,
    bootstrapRedialMs: 10_000,
    minPeers: 8
  },
  provider: {
    attributes: {},
    reserved: { cpu: 0, memory: 0, storage: 0 },
    pricing: null,
    announceIntervalMs: 60_000,
    probeIntervalMs: 10 * 60 * 1000
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
