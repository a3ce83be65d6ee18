import type { ApiSource, GossipView, NodeStatus, PeerView, ProviderView } from '../../../src/api/index.js'

/** The mesh part of what the API reads: plain data (the API holds no state of its own). */
export type MeshSource = Pick<ApiSource, 'status' | 'peers' | 'providers' | 'gossipView'>

export function fakeStatus (over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    peerId: '12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a',
    network: 'skymesh-local-0123456789abcdef',
    networkParams: { name: 'skymesh-local', protocolPrefix: 'skymesh', blockMs: 6000, maxClockSkewMs: 1000, maxBidsPerOrder: 64, awardWindowMs: 10_000, maxAwardWindowMs: 600_000, finalityMs: 60_000, maxOrderWindowMs: 86_400_000 },
    version: '0.1.0',
    roles: ['tenant'],
    multiaddrs: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a'],
    api: 'http://127.0.0.1:1',
    pid: process.pid,
    startedAt: '2025-01-01T00:00:00.000Z',
    uptimeMs: 1234,
    peers: 1,
    connections: { direct: 1, relayed: 0 },
    dht: { mode: 'server', routingTable: 1 },
    providers: 1,
    mesh: { '/skymesh/skymesh-local/1/providers': 1 },
    ...over
  }
}

export const fakePeer: PeerView = {
  peerId: '12D3KooWGzBGvBwQcBkBMTr9JvbbJu3ZRLkg6hjWoSBjYSrWjdn5',
  addrs: ['/ip4/127.0.0.1/tcp/4002'],
  via: 'direct',
  direction: 'outbound',
  latencyMs: 3,
  protocols: ['/ipfs/id/1.0.0'],
  roles: ['relay'],
  agent: 'skymesh/0.1.0 (relay)',
  gossipScore: 0
}

export const fakeProvider: ProviderView = {
  peerId: fakePeer.peerId,
  seq: 7,
  createdAt: 1_700_000_000_000,
  receivedAt: 1_700_000_000_100,
  source: 'gossip',
  messageId: 'ab'.repeat(32),
  addrs: ['/ip4/127.0.0.1/tcp/4002'],
  attributes: [{ key: 'region', value: 'eu-west' }],
  total: { cpu: 8000, memory: 1 << 30, storage: [], gpus: [] },
  available: { cpu: 4000, memory: 1 << 29, storage: [], gpus: [] },
  runtime: 'podman 4.3.1',
  reputation: { sealed: 4, unrevealed: 1, equivocations: 0, complaints: 0 }
}

export const fakeGossip: GossipView = {
  topics: { providers: { accept: 1, ignore: 0, reject: 0, published: 0, delivered: 1, dropped: 0 } },
  codes: [],
  peers: { providers: { subscribers: 1, mesh: 1 } }
}

/**
 * A source with the mesh routes from plain data; the market routes (another layer's, tested
 * there) are empty and refuse changes.
 */
export function fakeSource (over: Partial<MeshSource> = {}): ApiSource {
  const mesh: MeshSource = {
    status: () => fakeStatus(),
    peers: async () => [fakePeer],
    providers: () => [fakeProvider],
    gossipView: () => fakeGossip,
    ...over
  }
  const market = {
    orders: () => [],
    order: () => undefined,
    leases: () => [],
    tenants: () => [],
    leaseStatus: async () => { throw new Error('not in this test') },
    leaseLogs: async () => { throw new Error('not in this test') },
    deploy: async () => { throw new Error('not in this test') },
    closeLease: async () => { throw new Error('not in this test') },
    onOrderUpdate: () => () => {}
  }
  return { ...market, ...mesh } as ApiSource
}
