import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { errorMessage } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import { P2pError } from './errors.js'

export interface ConnectionKeeperOptions {
  /** bootstrap multiaddrs, each ending in /p2p/<peer id> */
  bootstrap: string[]
  /** below this many connected peers, known peers are dialled */
  minPeers: number
  intervalMs: number
  dialTimeoutMs: number
  /** dials per round when filling up to minPeers */
  maxDialsPerRound: number
}

type KeeperLibp2p = Pick<Libp2p, 'dial' | 'getConnections' | 'getPeers' | 'peerStore' | 'peerId'>

/**
 * Keeps the node in the mesh. @libp2p/bootstrap dials its list once and libp2p 2.x has no
 * autodialer, so without this a node whose relay restarted would stay alone, and a node would
 * only ever talk to the few peers its DHT queries happened to touch (gossipsub wants about six).
 * Once per interval it dials every bootstrap peer that is not connected and, while fewer than
 * minPeers are connected, a few known peers with addresses from the peer store.
 */
export class ConnectionKeeper {
  private readonly targets: Array<{ addr: Multiaddr, peerId: string }>
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly controller = new AbortController()
  private running = false
  private delayMs = 1_000

  constructor (private readonly opts: ConnectionKeeperOptions, private readonly modules: { libp2p: KeeperLibp2p, logger: Logger }) {
    this.targets = opts.bootstrap.map(parseBootstrapAddr)
  }

  /** First round now; then every intervalMs, sooner (from 1 s, doubling) while it finds peers to add. */
  start (): void {
    const loop = async (): Promise<void> => {
      const before = this.modules.libp2p.getPeers().length
      const after = await this.tick()
      if (this.controller.signal.aborted) return
      this.delayMs = after > before && after < this.opts.minPeers ? 1_000 : Math.min(this.delayMs * 2, this.opts.intervalMs)
      this.timer = setTimeout(() => { void loop() }, this.delayMs)
      this.timer.unref()
    }
    void loop()
  }

  stop (): void {
    clearTimeout(this.timer)
    this.controller.abort()
  }

  /** One round; resolves with the number of connected peers afterwards. */
  async tick (): Promise<number> {
    if (this.running || this.controller.signal.aborted) return this.modules.libp2p.getPeers().length
    this.running = true
    try {
      const { libp2p } = this.modules
      const connected = new Set(libp2p.getPeers().map((p) => p.toString()))
      await Promise.all(this.targets.filter((t) => !connected.has(t.peerId)).map(async (t) => { await this.dial(t.addr) }))
      if (libp2p.getPeers().length < this.opts.minPeers) {
        const now = new Set(libp2p.getPeers().map((p) => p.toString()))
        const self = libp2p.peerId.toString()
        const known = await libp2p.peerStore.all({
          filters: [(p) => p.addresses.length > 0 && !now.has(p.id.toString()) && p.id.toString() !== self]
        })
        const want = Math.min(this.opts.minPeers - now.size, this.opts.maxDialsPerRound)
        await Promise.all(shuffle(known).slice(0, want).map(async (p) => { await this.dial(p.id) }))
      }
      return libp2p.getPeers().length
    } finally {
      this.running = false
    }
  }

  private async dial (target: Multiaddr | PeerId): Promise<void> {
    try {
      await this.modules.libp2p.dial(target, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.opts.dialTimeoutMs)]) })
    } catch (err) {
      if (!this.controller.signal.aborted) this.modules.logger.debug('keeper dial failed', { target: target.toString(), error: errorMessage(err) })
    }
  }
}

function shuffle<T> (a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = a[i] as T
    a[i] = a[j] as T
    a[j] = t
  }
  return a
}

/** A bootstrap address must name its peer: /ip4/…/tcp/…/p2p/12D3KooW… */
export function parseBootstrapAddr (s: string): { addr: Multiaddr, peerId: string } {
  let addr: Multiaddr
  try {
    addr = multiaddr(s)
  } catch (err) {
    throw new P2pError('BAD_MULTIADDR', `not a multiaddr: ${s.slice(0, 200)}`, { details: { addr: s.slice(0, 200) }, cause: err })
  }
  const peerId = addr.getPeerId()
  if (peerId === null) throw new P2pError('BAD_MULTIADDR', `bootstrap address ${s.slice(0, 200)} does not end in /p2p/<peer id>`, { details: { addr: s.slice(0, 200) } })
  return { addr, peerId }
}
