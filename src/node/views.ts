import type { GossipCountersSnapshot } from '../p2p/index.js'
import type { Capacity, WireAttribute } from '../wire/index.js'
import type { AnnounceSource } from './provider-directory.js'
import type { Role } from './roles.js'
import type { ConsensusParams } from '../config/index.js'
import type { Lease, NoBidReason, Outcome, Phase } from '../market/index.js'

/** JSON views of a running node, served by the local API and printed by the CLI. */
export interface NodeStatus {
  peerId: string
  /** the network id: `<name>-<hash of the consensus parameters>` */
  network: string
  /** the consensus parameters the id commits to */
  networkParams: ConsensusParams
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
  /** the container runtime its leases run on ("podman 4.3.1"), "off" (runs nothing) or "none" */
  runtime: string
  /** what this node recorded about the provider in orders that became final */
  reputation: ProviderReputation
}

/** Counted per provider over final orders (DESIGN.md section 5: a commit never revealed costs reputation). */
export interface ProviderReputation {
  /** commits a seal accepted */
  sealed: number
  /** of those, commits no reveal ever opened */
  unrevealed: number
  /** orders where it signed two different commits */
  equivocations: number
  /** complaints it made that this node found founded */
  complaints: number
}

/** Counted per tenant over final orders: what the tenant left out and whether it equivocated. */
export interface TenantView {
  tenant: string
  orders: number
  /** commits that reached this node before the seal and that the seal left out */
  commitsLeftOut: number
  /** reveals of sealed commits the award left out */
  revealsLeftOut: number
  /** of those, bids that would have won */
  cheaperLeftOut: number
  /** orders voided by the tenant's own equivocation */
  equivocations: number
}

export interface GossipView extends GossipCountersSnapshot {
  /** per topic: peers subscribed and peers in our mesh */
  peers: Record<string, { subscribers: number, mesh: number }>
}

/** A bid of an order as every node sees it: the price only once revealed. */
export interface BidView {
  provider: string
  commitId: string
  sealed: boolean
  price?: string
  revealId?: string
  /** the award listed this bid */
  awarded?: boolean
  /** the seal or award left it out although this node saw it in good time */
  leftOut?: 'commit' | 'reveal'
  /** the provider signed two different commits for this order */
  equivocated?: boolean
}
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
  /** the award window's end and the order's final deadline (after it nothing changes it) */
  awardUntil: number
  finalUntil: number
  final: boolean
  noBids: Array<{ provider: string, reasons: NoBidReason[] }>
  /** what the tenant left out, as this node saw it (counts) */
  omissions: { commitsLeftOut: number, revealsLeftOut: number, cheaperLeftOut: number, complaints: number }
  /** equivocation evidence held for this order: `<type>:<signer account>` */
  evidence: string[]
  /** why this node (a provider) did not bid */
  myReasons?: NoBidReason[]
  mine: boolean
}
export interface LeaseView {
  leaseId: string
  orderId: string
  tenant: string
  provider: string
  /** 'unaccepted': awarded, but the provider did not accept before the order became final */
  state: Lease['state'] | 'unaccepted'
  /** price in `denom` (uact) per block and per month (an average month, 30.44 days), decimal strings */
  pricePerBlock: string
  pricePerMonth: string
  /** the same monthly price in ACT (1 ACT = 10^6 uact = 1 USD) */
  actPerMonth: string
  denom: string
  closedBy?: string
  closeReason?: string
  /** tenant side: the provider refused to run the manifest (a missing image, limits…), and why */
  failure?: { code: string, message: string }
  resources: Array<{ count: number, cpu: number, memory: number, storage: number, gpu: number }>
}
