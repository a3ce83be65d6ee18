import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub'
import { defaultConfig } from '../../src/config/index.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GossipView, NodeStatus, PeerView, ProviderView } from '../../src/api/index.js'
import { NodeKey } from '../../src/identity/index.js'
import { signMessage, topicName, Topic, type ProviderAnnounceBody } from '../../src/wire/index.js'
import { startMeshNode, waitFor, type MeshProc } from '../helpers/mesh.js'

/**
 * The scenario on 127.0.0.1, every node a separate CLI process with port 0: a relay,
 * three providers (one reachable only through the relay), and a tenant that joins after the
 * providers have announced. Tests run in order on the same mesh.
 */
type Proc = MeshProc & { cleanupDir: () => Promise<void> }
const procs: Proc[] = []
const plainNodes: Libp2p[] = []
let relay: Proc
let p1: Proc
let p2: Proc
let p3: Proc // reachable only through the relay
let tenant: Proc

const peersOf = async (n: MeshProc): Promise<PeerView[]> => (await n.get<{ peers: PeerView[] }>('/peers')).peers
const providersOf = async (n: MeshProc): Promise<ProviderView[]> => (await n.get<{ providers: ProviderView[] }>('/providers')).providers
const ids = (list: Array<{ peerId: string }>): string[] => list.map((p) => p.peerId).sort()

function announceBody (seq: number): ProviderAnnounceBody {
  const cap = { cpu: 1000, memory: 1 << 30, storage: [], gpus: [] }
  return { net: defaultConfig.network.id, createdAt: Date.now(), seq, addrs: [], attributes: [{ key: 'region', value: 'test' }], total: cap, available: cap, runtime: 'none' }
}

async function plainGossipNode (): Promise<Libp2p<{ identify: unknown, pubsub: GossipSub }>> {
  const node = await createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (m) => new Uint8Array(createHash('sha256').update(m.data).digest()),
        allowPublishToZeroTopicPeers: true
      }) as never
    }
  }) as unknown as Libp2p<{ identify: unknown, pubsub: GossipSub }>
  plainNodes.push(node)
  return node
}

beforeAll(async () => {
  relay = await startMeshNode(['relay'])
  procs.push(relay)
  const relayAddr = relay.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
  ;[p1, p2, p3] = await Promise.all([
    startMeshNode(['provider', '--bootstrap', relayAddr]),
    startMeshNode(['start', '--role', 'provider', '--bootstrap', relayAddr]),
    // no TCP listener at all: only a reservation on the relay
    startMeshNode(['provider', '--listen', `${relayAddr}/p2p-circuit`, '--bootstrap', relayAddr])
  ])
  procs.push(p1, p2, p3)
  // Every provider's announce reached a gossip peer and the DHT before the tenant exists.
  for (const p of [p1, p2, p3]) {
    await waitFor('announce landed', async () => (await p.get<NodeStatus>('/status')).announce?.landed === true, 30_000)
  }
  tenant = await startMeshNode(['start', '--bootstrap', relayAddr])
  procs.push(tenant)
}, 90_000)

afterAll(async () => {
  for (const n of plainNodes) await Promise.resolve(n.stop()).catch(() => {})
  await Promise.all(procs.map(async (p) => { await p.proc.stop(3000) }))
  await Promise.all(procs.map(async (p) => { await p.cleanupDir() }))
}, 30_000)

describe('the mesh, 5 CLI processes on 127.0.0.1', () => {
  it('a node that joins after the announces finds every provider through the DHT', async () => {
    const providerIds = ids([p1, p2, p3])
    const found = await waitFor('tenant lists 3 providers', async () => {
      const list = await providersOf(tenant)
      return ids(list).join() === providerIds.join() ? list : undefined
    }, 20_000)
    // Announces are periodic (60 s) and gossip replays nothing older than a few seconds:
    // these came from the DHT records.
    expect(found.map((p) => p.source)).toEqual(['dht', 'dht', 'dht'])
    for (const p of found) expect(p.total.cpu).toBeGreaterThan(0)
  }, 30_000)

  it('every node sees every other node, and knows every provider', async () => {
    const all = [relay, p1, p2, p3, tenant]
    for (const n of all) {
      const others = ids(all.filter((o) => o !== n))
      await waitFor(`peers of ${n.peerId}`, async () => {
        const have = new Set((await peersOf(n)).map((p) => p.peerId))
        return others.every((o) => have.has(o))
      }, 30_000)
      await waitFor(`providers of ${n.peerId}`, async () => (await providersOf(n)).length === 3, 20_000)
    }
    const relayPeers = await peersOf(tenant)
    expect(relayPeers.find((p) => p.peerId === relay.peerId)?.roles).toEqual(['relay'])
    expect(relayPeers.find((p) => p.peerId === p1.peerId)?.roles).toEqual(['provider'])
  }, 60_000)

  it('a provider that listens only through the relay is reachable through it, and its announce arrives', async () => {
    expect(p3.multiaddrs.length).toBeGreaterThan(0)
    for (const a of p3.multiaddrs) expect(a).toContain(`/p2p/${relay.peerId}/p2p-circuit/p2p/${p3.peerId}`)
    const status = await relay.get<NodeStatus>('/status')
    expect(status.relayReservations).toBeGreaterThanOrEqual(1)

    const plain = await createLibp2p({
      transports: [tcp(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify({ runOnLimitedConnection: true }) }
    })
    plainNodes.push(plain)
    const circuit = p3.multiaddrs.find((a) => !a.includes('/ws/')) as string
    const conn = await plain.dial(multiaddr(circuit), { signal: AbortSignal.timeout(10_000) })
    expect(conn.remotePeer.toString()).toBe(p3.peerId)
    expect(conn.remoteAddr.toString()).toContain('/p2p-circuit')
    await waitFor('identify over the relay', async () => (await plain.peerStore.get(conn.remotePeer)).protocols.includes('/ipfs/id/1.0.0'), 10_000)

    const announced = (await providersOf(tenant)).find((p) => p.peerId === p3.peerId)
    expect(announced?.addrs.every((a) => a.includes('/p2p-circuit'))).toBe(true)
  }, 30_000)

  it('rejects an envelope with a bad signature and never delivers it; a valid one from the same peer arrives', async () => {
    const plain = await plainGossipNode()
    const topic = topicName('skymesh', defaultConfig.network.id, Topic.providers)
    plain.services.pubsub.subscribe(topic)
    const tcpAddr = tenant.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
    await plain.dial(multiaddr(tcpAddr), { signal: AbortSignal.timeout(10_000) })
    await waitFor('tenant subscribed', () => plain.services.pubsub.getSubscribers(topic).some((p) => p.toString() === tenant.peerId), 10_000)

    const forger = await NodeKey.generate()
    const forged = signMessage(forger, 'ProviderAnnounce', announceBody(1)).bytes.slice()
    forged[7 + 5] = (forged[7 + 5] as number) ^ 0xff // a byte of the signature (a4 63"sig" 58 40 ...)
    await plain.services.pubsub.publish(topic, forged)

    const honest = await NodeKey.generate()
    await plain.services.pubsub.publish(topic, signMessage(honest, 'ProviderAnnounce', announceBody(1)).bytes)

    await waitFor('valid announce delivered', async () => (await providersOf(tenant)).some((p) => p.peerId === honest.accountId), 10_000)
    const gossip = await tenant.get<GossipView>('/gossip')
    expect(gossip.codes).toContainEqual(expect.objectContaining({ topic: 'providers', outcome: 'reject', code: 'BAD_SIGNATURE' }))
    expect(gossip.topics.providers?.reject).toBeGreaterThanOrEqual(1)
    expect((await providersOf(tenant)).some((p) => p.peerId === forger.accountId)).toBe(false)
    // the reject cost the sender gossip score
    await waitFor('sender penalised', async () => ((await peersOf(tenant)).find((p) => p.peerId === plain.peerId.toString())?.gossipScore ?? 0) < 0, 5_000)
  }, 30_000)

  it('a provider killed and restarted rejoins with the same peer id and announces again', async () => {
    const before = (await providersOf(tenant)).find((p) => p.peerId === p1.peerId)
    expect(before).toBeDefined()
    p1.proc.child.kill('SIGKILL')
    await new Promise((resolve) => p1.proc.child.once('exit', resolve))
    const relayAddr = relay.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
    const again = await startMeshNode(['provider', '--bootstrap', relayAddr], { dataDir: p1.dataDir })
    procs.push(again)
    expect(again.peerId).toBe(p1.peerId)
    await waitFor('tenant sees the new announce', async () => {
      const now = (await providersOf(tenant)).find((p) => p.peerId === p1.peerId)
      return now !== undefined && now.seq > (before?.seq ?? 0)
    }, 30_000)
    await waitFor('relay connected to it again', async () => (await peersOf(relay)).some((p) => p.peerId === p1.peerId), 15_000)
  }, 60_000)
})
