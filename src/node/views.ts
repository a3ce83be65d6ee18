import type { GossipCountersSnapshot } from '../p2p/index.js'
import type { Capacity, WireAttribute } from '../wire/index.js'
import type { AnnounceSource } from './provider-directory.js'
import type { Role } from './roles.js'
import type { Lease, NoBidReason, Outcome, Phase } from '../market/index.js'

/** JSON views of a running node, served by the local API and printed by the CLI. */
export interface NodeStatus {
  peerId: string
  network: string
  version: string
  roles: Role[]
  multiaddrs: string[]
  api: string
  pid: number
  startedAt: string
  uptimeMs: number
  peers: number
  connections: { direct: number, relayed: number }
  dht: { mode: 'client' | 'server', routingTable: number }
  providers: number
  /** relay role: reservations held by others on this node */
  relayReservations?: number
  /** gossipsub mesh size per topic name */
  mesh: Record<string, number>
  /** provider role: our latest announce; landed = reached a gossip peer and the DHT */
  announce?: { seq: number, landed: boolean, recipients: number }
}

export interface PeerView {
  peerId: string
  /** remote addresses of open connections */
  addrs: string[]
  /** 'direct' when at least one connection is not through a relay */
  via: 'direct' | 'relayed'
  direction: 'inbound' | 'outbound'
  /** round trip of the connection monitor's last ping, if any */
  latencyMs: number | null
  protocols: string[]
  roles: Role[]
  agent: string | null
  gossipScore: number
}

export interface ProviderView {
  peerId: string
  seq: number
  createdAt: number
  receivedAt: number
  source: AnnounceSource
  /** wire message id of the announce (hex) */
  messageId: string
  addrs: string[]
  attributes: WireAttribute[]
  total: Capacity
  available: Capacity
}

export interface GossipView extends GossipCountersSnapshot {
  /** per topic: peers subscribed and peers in our mesh */
  peers: Record<string, { subscribers: number, mesh: number }>
}

/** A bid of an order as every node sees it: the price only once revealed. */
export interface BidView { provider: string, commitId: string, sealed: boolean, price?: string, revealId?: string }
export interface OrderView {
  orderId: string
  tenant: string
  dseq: number
  gseq: number
  group: string
  phase: Phase
  maxPrice: { denom: string, amount: string }
  commitUntil: number
  revealUntil: number
  bids: BidView[]
  outcome: Outcome['status']
  outcomeReason?: string
  lease?: LeaseView
  noBids: Array<{ provider: string, reasons: NoBidReason[] }>
  /** why this node (a provider) did not bid */
  myReasons?: NoBidReason[]
  mine: boolean
}
export interface LeaseView {
  leaseId: string
  orderId: string
  tenant: string
  provider: string
  state: Lease['state']
  /** price in `denom` (uact) per block and per month (an average month, 30.44 days), decimal strings */
  pricePerBlock: string
  pricePerMonth: string
  /** the same monthly price in ACT (1 ACT = 10^6 uact = 1 USD) */
  actPerMonth: string
  denom: string
  closedBy?: string
  closeReason?: string
  resources: Array<{ count: number, cpu: number, memory: number, storage: number, gpu: number }>
}
