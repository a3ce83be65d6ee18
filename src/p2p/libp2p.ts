import { gossipsub, type GossipSub, type GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import { createPeerScoreParams, createTopicScoreParams } from '@chainsafe/libp2p-gossipsub/score'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayServer, circuitRelayTransport, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, Ed25519PrivateKey, Libp2p, PeerDiscovery } from '@libp2p/interface'
import { kadDHT, passthroughMapper, type KadDHT, type Selectors, type Validators } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type ServiceFactoryMap } from 'libp2p'
import { ALL_TOPICS, topicName } from '../wire/index.js'
import { fastGossipMsgId, gossipMsgId, msgIdToString } from './msg-id.js'
import { kadProtocol, type NetworkNames } from './protocols.js'

export interface RelayServerLimits {
  maxReservations: number
  reservationTtlMs: number
  /** bytes per relayed connection, both directions together (circuit-relay-v2 counts them as one) */
  maxDataBytes: number
  maxDurationMs: number
}

export interface MeshNodeOptions {
  privateKey: Ed25519PrivateKey
  network: NetworkNames
  listen: string[]
  bootstrap: string[]
  /** run a circuit-relay-v2 server with these limits (relay role) */
  relayServer?: RelayServerLimits
  /** answer DHT queries; false for nodes others cannot dial directly */
  dhtServer: boolean
  /** sent in identify; carries the roles so peers can show them */
  userAgent: string
  dhtValidators: Validators
  dhtSelectors: Selectors
  /** gossipsub overrides (benchmarks, tests) */
  gossip?: Partial<GossipsubOpts>
  /** start the node before returning (default true); false lets the caller register handlers first */
  start?: boolean
  /**
   * decides which peers may connect or be dialled (default: libp2p's, which allows all); the
   * hostile test node uses it to talk to the peers a test names and nobody else
   */
  connectionGater?: ConnectionGater
  /**
   * over the connection monitor's settings below; the hostile test node keeps a connection its
   * flood has backed up (a ping behind the backlog times out) instead of aborting it
   */
  connectionMonitor?: { abortConnectionOnPingFailure?: boolean }
}

export interface MeshServices extends Record<string, unknown> {
  identify: unknown
  ping: unknown
  pubsub: GossipSub
  dht: KadDHT
  autonat: unknown
  dcutr: unknown
  relay?: CircuitRelayService
}

export type MeshLibp2p = Libp2p<MeshServices>

/**
 * Gossip score parameters. skymesh topics are quiet (a provider announces once a minute), so the
 * "too few mesh deliveries" penalties (P3, P3b) are off: they would punish honest peers on a quiet
 * topic. What costs score is P4, invalid messages (validator REJECT): weight -20, squared, so
 * two rejects put a peer under the gossip threshold (-50), three under publish (-100), four on
 * the graylist (-200); decay 0.95 per second halves the count in about 14 s.
 */
export function meshScoreParams (n: NetworkNames): GossipsubOpts['scoreParams'] {
  const topics: Record<string, ReturnType<typeof createTopicScoreParams>> = {}
  for (const t of ALL_TOPICS) {
    topics[topicName(n.protocolPrefix, n.networkId, t)] = createTopicScoreParams({
      topicWeight: 1,
      timeInMeshWeight: 0.01,
      timeInMeshQuantum: 1000,
      timeInMeshCap: 300,
      firstMessageDeliveriesWeight: 0.5,
      firstMessageDeliveriesDecay: 0.9,
      firstMessageDeliveriesCap: 20,
      meshMessageDeliveriesWeight: 0,
      meshFailurePenaltyWeight: 0,
      invalidMessageDeliveriesWeight: -20,
      invalidMessageDeliveriesDecay: 0.95
    })
  }
  return createPeerScoreParams({
    topics,
    topicScoreCap: 50,
    // Every loopback peer shares 127.0.0.1 (STACK.md trap 3): colocation must not count there.
    IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1'])
  })
}

export const meshScoreThresholds = { gossipThreshold: -50, publishThreshold: -100, graylistThreshold: -200, acceptPXThreshold: 10, opportunisticGraftThreshold: 5 }

/**
 * The libp2p node of every skymesh process: TCP and WebSockets, noise, yamux, identify, ping,
 * gossipsub (StrictNoSign, content-hash ids), kad-dht on a private protocol, bootstrap,
 * circuit-relay-v2 (transport everywhere, server on relays), autonat and dcutr.
 */
export async function createMeshNode (opts: MeshNodeOptions): Promise<MeshLibp2p> {
  const services: ServiceFactoryMap<MeshServices> = {
    identify: identify({
      // Relayed connections are limited (STACK.md trap 6); identify must run on them or a peer
      // reached through a relay stays anonymous.
      runOnLimitedConnection: true
    }),
    // The connection monitor, the DHT and the CLI all ping: one outbound stream per connection
    // is not enough (STACK.md trap 7).
    ping: ping({ maxOutboundStreams: 4, runOnLimitedConnection: true }),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: gossipMsgId,
      fastMsgIdFn: fastGossipMsgId,
      msgIdToStrFn: msgIdToString,
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      emitSelf: false,
      // Providers behind a relay gossip over the relayed connection.
      runOnLimitedConnection: true,
      // 64 KiB wire cap plus protobuf framing: larger data cannot be a skymesh envelope.
      maxInboundDataLength: 64 * 1024 + 1024,
      scoreParams: meshScoreParams(opts.network),
      scoreThresholds: meshScoreThresholds,
      ...opts.gossip
    }) as unknown as ServiceFactoryMap<MeshServices>['pubsub'],
    dht: kadDHT({
      protocol: kadProtocol(opts.network),
      clientMode: !opts.dhtServer,
      // Loopback and LAN meshes: keep private addresses (STACK.md trap 5).
      peerInfoMapper: passthroughMapper,
      validators: opts.dhtValidators,
      selectors: opts.dhtSelectors,
      // A fresh node is alone until its bootstrap dial lands; queries wait for peers rather than
      // failing on an empty routing table.
      allowQueryWithZeroPeers: false
    }) as unknown as ServiceFactoryMap<MeshServices>['dht'],
    autonat: autoNAT(),
    dcutr: dcutr()
  }
  if (opts.relayServer !== undefined) {
    const l = opts.relayServer
    services.relay = circuitRelayServer({
      reservations: {
        maxReservations: l.maxReservations,
        reservationTtl: l.reservationTtlMs,
        applyDefaultLimit: true,
        defaultDataLimit: BigInt(l.maxDataBytes),
        defaultDurationLimit: l.maxDurationMs
      }
    })
  }
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = [] // eslint-disable-line @typescript-eslint/no-explicit-any
  if (opts.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: 0 }))

  return await createLibp2p<MeshServices>({
    privateKey: opts.privateKey,
    nodeInfo: { userAgent: opts.userAgent },
    addresses: { listen: opts.listen },
    transports: [tcp(), webSockets(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      // Loopback meshes put every peer on 127.0.0.1 (STACK.md trap 2).
      allow: ['/ip4/127.0.0.0/ipcidr/8']
    },
    // Measures every connection's round trip (connection.rtt) for `skymesh peers` and closes
    // connections that stop answering. Each ping is a new stream (yamux + multistream-select):
    // every 5 s it was about a third of an idle node's CPU (bench:gossip), so
    // every 30 s.
    connectionMonitor: { pingInterval: 30_000, ...opts.connectionMonitor },
    peerDiscovery,
    services,
    ...(opts.connectionGater !== undefined ? { connectionGater: opts.connectionGater } : {}),
    start: opts.start ?? true
  })
}
