import { noise } from '@chainsafe/libp2p-noise'
import { defaultConfig } from '../../src/config/index.js'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/io.js'
import { spawnCli } from '../helpers/spawn.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })

describe('skymesh start (separate process)', () => {
  it('prints its identity as JSON, is dialable by a plain libp2p node, and stops on Ctrl-C', async () => {
    const d = await tempDir()
    cleanups.push(d.cleanup)
    const node = spawnCli(['start', '--data', d.path, '--json'])
    cleanups.push(async () => node.stop())
    const info = await node.firstJson as { peerId: string, multiaddrs: string[], api: string }
    expect(info.peerId).toMatch(/^12D3KooW/)
    const tcpAddr = info.multiaddrs.find((a) => !a.includes('/ws'))
    expect(tcpAddr).toBeDefined()

    const plain = await createLibp2p({
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() }
    })
    cleanups.push(async () => plain.stop())
    const conn = await plain.dial(multiaddr(tcpAddr!), { signal: AbortSignal.timeout(10_000) })
    expect(conn.remotePeer.toString()).toBe(info.peerId)
    const peer = await plain.peerStore.get(conn.remotePeer)
    // identify ran: the node's protocols are known to the plain node
    // (the identify answer lands in the peer store as a whole; poll for one of the node's own protocols)
    await expect.poll(async () => (await plain.peerStore.get(conn.remotePeer)).protocols, { timeout: 10_000 }).toContain('/meshsub/1.1.0')
    expect(peer.id.toString()).toBe(info.peerId)
    // gossipsub under its standard protocol ids, the DHT under the network's private one
    const protocols = (await plain.peerStore.get(conn.remotePeer)).protocols
    expect(protocols).toContain('/meshsub/1.1.0')
    expect(protocols).toContain(`/skymesh/${defaultConfig.network.id}/kad/2.0.0`)
    expect(protocols).toContain('/libp2p/circuit/relay/0.2.0/stop')
    expect(info.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    expect(await node.stop()).toBe(0)

    // restarted on the same data directory, it keeps its peer id
    const again = spawnCli(['start', '--data', d.path, '--json'])
    cleanups.push(async () => again.stop())
    expect((await again.firstJson).peerId).toBe(info.peerId)
  }, 40_000)
})
