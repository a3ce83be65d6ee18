import { validatePeerScoreParams, type PeerScoreParams } from '@chainsafe/libp2p-gossipsub/score'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { kadProtocol, meshScoreParams, meshScoreThresholds } from '../../../src/p2p/index.js'
import { ALL_TOPICS, topicName } from '../../../src/wire/index.js'
import { waitFor } from '../../helpers/mesh.js'
import { TEST_NET, connect, testMeshNode, type TestNode } from './helpers.js'

const nodes: TestNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.libp2p.stop() }))
}, 20_000)
async function node (...args: Parameters<typeof testMeshNode>): Promise<TestNode> {
  const n = await testMeshNode(...args)
  nodes.push(n)
  return n
}

describe('meshScoreParams', () => {
  // built with createPeerScoreParams: every field is set
  const params = meshScoreParams(TEST_NET) as PeerScoreParams

  it('has valid parameters for every topic of the network, and only those', () => {
    expect(() => { validatePeerScoreParams(params) }).not.toThrow()
    expect(Object.keys(params.topics).sort()).toEqual(ALL_TOPICS.map((t) => topicName(TEST_NET.protocolPrefix, TEST_NET.networkId, t)).sort())
    expect(Object.keys((meshScoreParams({ protocolPrefix: 'skymesh', networkId: 'other' }) as PeerScoreParams).topics)[0]).toContain('/other/')
  })

  it('quiet topics: the mesh-delivery penalties are off; invalid messages are what costs score', () => {
    for (const t of Object.values(params.topics)) {
      expect(t.meshMessageDeliveriesWeight).toBe(0)
      expect(t.meshFailurePenaltyWeight).toBe(0)
      expect(t.invalidMessageDeliveriesWeight).toBe(-20)
      expect(t.topicWeight).toBe(1)
    }
  })

  it('rejects squared against the thresholds: 2 under gossip, 3 under publish, 4 on the graylist', () => {
    const weight = params.topics[topicName(TEST_NET.protocolPrefix, TEST_NET.networkId, ALL_TOPICS[0] as never)]?.invalidMessageDeliveriesWeight ?? 0
    const p4 = (rejects: number): number => weight * rejects * rejects
    expect(p4(1)).toBeGreaterThan(meshScoreThresholds.gossipThreshold)
    expect(p4(2)).toBeLessThan(meshScoreThresholds.gossipThreshold)
    expect(p4(2)).toBeGreaterThan(meshScoreThresholds.publishThreshold)
    expect(p4(3)).toBeLessThan(meshScoreThresholds.publishThreshold)
    expect(p4(3)).toBeGreaterThan(meshScoreThresholds.graylistThreshold)
    expect(p4(4)).toBeLessThan(meshScoreThresholds.graylistThreshold)
  })

  it('loopback peers never count as IP colocation (STACK.md trap 3)', () => {
    expect(params.IPColocationFactorWhitelist.has('127.0.0.1')).toBe(true)
    expect(params.IPColocationFactorWhitelist.has('::1')).toBe(true)
  })
})

describe('createMeshNode', () => {
  it('speaks the network\'s private DHT protocol, gossipsub and circuit relay; DHT server or client as asked', async () => {
    const server = await node()
    const client = await node({ dhtServer: false })
    const protocols = server.libp2p.getProtocols()
    expect(kadProtocol(TEST_NET)).toBe(`/skymesh/${TEST_NET.networkId}/kad/2.0.0`)
    expect(protocols).toContain(kadProtocol(TEST_NET))
    expect(protocols).not.toContain('/ipfs/kad/1.0.0')
    expect(protocols).toContain('/meshsub/1.1.0')
    expect(protocols).toContain('/libp2p/circuit/relay/0.2.0/stop')
    // no relay server unless asked
    expect(protocols).not.toContain('/libp2p/circuit/relay/0.2.0/hop')
    expect(server.libp2p.services.dht.getMode()).toBe('server')
    expect(client.libp2p.services.dht.getMode()).toBe('client')
    // a DHT client does not offer the DHT protocol to others
    expect(client.libp2p.getProtocols()).not.toContain(kadProtocol(TEST_NET))
  })

  it('sends its user agent in identify', async () => {
    const a = await node({ userAgent: 'skymesh/9.9.9 (provider,relay)' })
    const b = await node()
    await connect(b, a)
    await waitFor('identify', async () => {
      const p = await b.libp2p.peerStore.get(a.key.peerId)
      return new TextDecoder().decode(p.metadata.get('AgentVersion')) === 'skymesh/9.9.9 (provider,relay)'
    }, 10_000, 20)
  })

  it('accepts many connections at once from 127.0.0.1 (STACK.md trap 2)', async () => {
    const target = await node()
    const dialers = await Promise.all(Array.from({ length: 7 }, async () => await node()))
    await Promise.all(dialers.map(async (d) => { await connect(d, target) }))
    await waitFor('all inbound connections open', () => target.libp2p.getPeers().length === dialers.length, 5_000, 20)
  }, 30_000)

  it('a relay serves reservations with its explicit limits; a node listening on RELAY/p2p-circuit is reachable only through it', async () => {
    const maxDataBytes = 1024 * 1024
    const relay = await node({ relayServer: { maxReservations: 4, reservationTtlMs: 60_000, maxDataBytes, maxDurationMs: 60_000 } })
    expect(relay.libp2p.getProtocols()).toContain('/libp2p/circuit/relay/0.2.0/hop')
    // getMultiaddrs() already ends in /p2p/<relay id>
    const relayAddr = relay.addr
    expect(relayAddr).toMatch(new RegExp(`/p2p/${relay.key.accountId}$`))
    const hidden = await node({ listen: [`${relayAddr}/p2p-circuit`], bootstrap: [], dhtServer: false })
    await waitFor('circuit address', () => hidden.libp2p.getMultiaddrs().length > 0, 10_000, 20)
    for (const a of hidden.libp2p.getMultiaddrs()) {
      expect(a.toString()).toBe(`${relayAddr}/p2p-circuit/p2p/${hidden.key.accountId}`)
    }
    expect(relay.libp2p.services.relay?.reservations.size).toBe(1)

    const dialer = await node()
    const conn = await dialer.libp2p.dial(multiaddr(hidden.libp2p.getMultiaddrs()[0]?.toString() ?? ''), { signal: AbortSignal.timeout(10_000) })
    expect(conn.remotePeer.toString()).toBe(hidden.key.accountId)
    expect(conn.remoteAddr.toString()).toContain('/p2p-circuit')
    // the relay's own data limit, not libp2p's default of 128 KiB
    expect(conn.limits?.bytes).toBeDefined()
    expect(Number(conn.limits?.bytes)).toBeGreaterThan(128 * 1024)
    expect(Number(conn.limits?.bytes)).toBeLessThanOrEqual(maxDataBytes)
  }, 30_000)
})
