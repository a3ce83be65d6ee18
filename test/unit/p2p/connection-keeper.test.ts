import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionKeeper, P2pError, parseBootstrapAddr } from '../../../src/p2p/index.js'
import { silentLogger } from '../../../src/util/logger.js'
import { waitFor } from '../../helpers/mesh.js'
import { connect, testMeshNode, type TestNode } from './helpers.js'

const PEER = '12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a'

function badAddr (s: string): P2pError {
  try {
    parseBootstrapAddr(s)
  } catch (err) {
    expect(err).toBeInstanceOf(P2pError)
    return err as P2pError
  }
  throw new Error(`expected ${s} to be refused`)
}

describe('parseBootstrapAddr', () => {
  it('accepts a multiaddr that ends in /p2p/<peer id> and returns that peer id', () => {
    const r = parseBootstrapAddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)
    expect(r.peerId).toBe(PEER)
    expect(r.addr.toString()).toBe(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)
    expect(parseBootstrapAddr(`/dns4/relay.example.org/tcp/443/wss/p2p/${PEER}`).peerId).toBe(PEER)
  })

  it('refuses an address without a peer id: BAD_MULTIADDR, bad input, naming the address', () => {
    const s = '/ip4/127.0.0.1/tcp/4001'
    const err = badAddr(s)
    expect(err.code).toBe('BAD_MULTIADDR')
    expect(err.badInput).toBe(true)
    expect(err.details.addr).toBe(s)
    expect(err.message).toContain(s)
  })

  it('refuses text that is not a multiaddr: BAD_MULTIADDR naming it', () => {
    for (const s of ['relay.example.org:4001', '/ip4/999.1.1.1/tcp/1/p2p/' + PEER, '/ip4/127.0.0.1/tcp/notaport', '']) {
      const err = badAddr(s)
      expect(err.code).toBe('BAD_MULTIADDR')
      expect(err.details.addr).toBe(s)
      if (s !== '') expect(err.message).toContain(s)
    }
  })

  it('clips a huge input in the error to 200 characters', () => {
    const s = '/x' + 'y'.repeat(5000)
    const err = badAddr(s)
    expect(String(err.details.addr)).toHaveLength(200)
    expect(err.message.length).toBeLessThan(400)
  })
})

describe('ConnectionKeeper on real nodes', () => {
  const nodes: TestNode[] = []
  const keepers: ConnectionKeeper[] = []
  afterEach(async () => {
    for (const k of keepers.splice(0)) k.stop()
    await Promise.all(nodes.splice(0).map(async (n) => { await n.libp2p.stop() }))
  }, 20_000)
  const node = async (): Promise<TestNode> => { const n = await testMeshNode(); nodes.push(n); return n }
  const keeper = (n: TestNode, bootstrap: string[], minPeers = 1): ConnectionKeeper => {
    const k = new ConnectionKeeper({ bootstrap, minPeers, intervalMs: 60_000, dialTimeoutMs: 2_000, maxDialsPerRound: 4 }, { libp2p: n.libp2p, logger: silentLogger })
    keepers.push(k)
    return k
  }

  it('a bad bootstrap address fails the constructor, before anything is dialled', async () => {
    const n = await node()
    expect(() => keeper(n, ['/ip4/127.0.0.1/tcp/1'])).toThrow(P2pError)
  })

  it('tick() dials a bootstrap peer that is not connected, and again after the connection dropped', async () => {
    const [relay, me] = await Promise.all([node(), node()])
    const k = keeper(me, [relay.addr])
    expect(await k.tick()).toBe(1)
    expect(me.libp2p.getPeers().map(String)).toEqual([relay.key.accountId])
    await me.libp2p.hangUp(relay.key.peerId)
    await waitFor('disconnected', () => me.libp2p.getPeers().length === 0, 5_000, 20)
    expect(await k.tick()).toBe(1)
  })

  it('an unreachable bootstrap peer is not an error: the round ends with what it has', async () => {
    const [gone, me] = await Promise.all([node(), node()])
    const addr = gone.addr
    await gone.libp2p.stop()
    const k = keeper(me, [addr])
    expect(await k.tick()).toBe(0)
  })

  it('below minPeers it dials known peers from the peer store', async () => {
    const [a, b, me] = await Promise.all([node(), node(), node()])
    // me learns b's address, then loses the connection
    await connect(me, b)
    await me.libp2p.hangUp(b.key.peerId)
    await waitFor('disconnected', () => me.libp2p.getPeers().length === 0, 5_000, 20)
    const k = keeper(me, [a.addr], 3)
    expect(await k.tick()).toBe(2)
    expect(me.libp2p.getPeers().map(String).sort()).toEqual([a.key.accountId, b.key.accountId].sort())
  })

  it('start() makes a first round at once; stop() ends the loop and further ticks dial nothing', async () => {
    const [relay, me] = await Promise.all([node(), node()])
    const k = keeper(me, [relay.addr])
    k.start()
    await waitFor('first round connected', () => me.libp2p.getPeers().length === 1, 5_000, 20)
    k.stop()
    await me.libp2p.hangUp(relay.key.peerId)
    await waitFor('disconnected', () => me.libp2p.getPeers().length === 0, 5_000, 20)
    expect(await k.tick()).toBe(0)
  })
})
