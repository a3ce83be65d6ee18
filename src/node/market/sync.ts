import type { Libp2p, PeerId } from '@libp2p/interface'
import { decode as cborDecode } from 'cborg'
import { RequestError, request, serve, type ExchangeLimits } from '../../p2p/request-response.js'
import { fromHex, toHex } from '../../util/bytes.js'
import type { Clock } from '../../util/clock.js'
import { errorMessage } from '../../util/errors.js'
import type { Logger } from '../../util/logger.js'
import { encodeCanonical } from '../../wire/index.js'
import type { Store } from '../store.js'

export interface SyncOptions extends ExchangeLimits {
  /** how many peers one order sync asks */
  peers: number
  /** one sync per order per this long */
  debounceMs: number
  /** how long a tenant waits for sync answers before it seals or awards */
  beforeDecisionMs: number
  /** how far back a node that starts asks its first peers for orders */
  recentMs: number
  /** most orders a `since` request is answered with */
  maxOrdersPerAnswer: number
  /** requests one peer may make per `rateWindowMs` (a flood of requests costs only its sender) */
  maxRequestsPerPeer: number
  rateWindowMs: number
  /** order syncs this node runs at once (a flood of messages for unknown orders cannot fan out) */
  maxInFlight: number
}

export const defaultSyncOptions: SyncOptions = {
  maxRequestBytes: 256,
  maxItemBytes: 128 * 1024,
  maxItems: 2048,
  maxTotalBytes: 4 * 1024 * 1024,
  timeoutMs: 3000,
  peers: 3,
  debounceMs: 1000,
  beforeDecisionMs: 300,
  recentMs: 10 * 60 * 1000,
  maxOrdersPerAnswer: 256,
  maxRequestsPerPeer: 40,
  rateWindowMs: 10_000,
  maxInFlight: 8
}

export interface SyncModules {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
  store: Store
  clock: Clock
  logger: Logger
  /** the messages of a response: decoded, checked and ingested by the market */
  ingest: (items: Uint8Array[]) => void
  /** orders still open (not final) or with a lease: the only ones a `since` request is answered with */
  isOpen: (orderId: string) => boolean
}

type SyncRequest = { orderId: string } | { since: number }

/**
 * The order-sync protocol `/<prefix>/<net>/sync/1.0.0`: a node that missed messages (gossip is
 * not a reliable transport) fetches them from peers, by order id or for every order active since
 * a time. Both sides are bounded: requests per peer, orders and bytes per answer, syncs in flight.
 */
export class OrderSync {
  private readonly lastSync = new Map<string, number>()
  private readonly rate = new Map<string, { start: number, n: number }>()
  /** connected peers that speak the sync protocol (from identify; no peer store lookups) */
  private readonly capable = new Map<string, PeerId>()
  private readonly caughtUpWith = new Set<string>()
  private inFlight = 0

  constructor (private readonly protocol: string, private readonly opts: SyncOptions, private readonly modules: SyncModules) {}

  async start (): Promise<void> {
    await serve(this.modules.libp2p, this.protocol, (req, from) => this.answer(req, from), this.opts)
  }

  async stop (): Promise<void> {
    await this.modules.libp2p.unhandle(this.protocol)
  }

  /**
   * A peer appeared. Returns a catch-up promise for the first few peers after start (every
   * order active lately: what gossip delivered while this node was down), else undefined.
   */
  peerAppeared (peer: PeerId, protocols: readonly string[]): Promise<number> | undefined {
    if (!protocols.includes(this.protocol)) return undefined
    this.capable.set(peer.toString(), peer)
    if (this.caughtUpWith.size >= this.opts.peers || this.caughtUpWith.has(peer.toString())) return undefined
    this.caughtUpWith.add(peer.toString())
    const since = Math.max(0, this.modules.clock.now() - this.opts.recentMs)
    return this.from(peer, encodeCanonical({ since })).catch((err: unknown) => {
      // another peer may answer: let it try
      this.caughtUpWith.delete(peer.toString())
      throw err
    })
  }

  peerGone (peer: PeerId): void {
    this.capable.delete(peer.toString())
  }

  /**
   * Anti-entropy: ask one random peer for every message of the orders it saw activity on in the
   * last `windowMs`. Gossip drops messages under load (a LeaseClose, an accept); this repairs
   * them within one period without waiting for a gap to be noticed.
   */
  async refresh (windowMs: number): Promise<number> {
    const [peer] = sample([...this.capable.values()], 1)
    if (peer === undefined || this.inFlight >= this.opts.maxInFlight) return 0
    this.inFlight++
    try {
      return await this.from(peer, encodeCanonical({ since: Math.max(0, this.modules.clock.now() - windowMs) })).catch(() => 0)
    } finally {
      this.inFlight--
    }
  }

  /** Forget pruned orders. */
  forget (orderIds: Iterable<string>): void {
    for (const id of orderIds) this.lastSync.delete(id)
  }

  /** Fetch every message of an order from up to `peers` connected peers. */
  async syncOrder (orderId: string, force = false, signal?: AbortSignal): Promise<number> {
    const now = this.modules.clock.now()
    if (!force && (this.lastSync.get(orderId) ?? -Infinity) + this.opts.debounceMs > now) return 0
    // bounded fan-out: when many syncs run, an unforced one is skipped (gossip or a later one repairs it)
    if (!force && this.inFlight >= this.opts.maxInFlight) return 0
    const id = fromHex(orderId)
    if (id === undefined || id.length !== 32) return 0
    this.lastSync.delete(orderId)
    this.lastSync.set(orderId, now)
    if (this.lastSync.size > 10_000) {
      const oldest = this.lastSync.keys().next().value
      if (oldest !== undefined) this.lastSync.delete(oldest)
    }
    const req = encodeCanonical({ orderId: id })
    const peers = sample([...this.capable.values()], this.opts.peers)
    this.inFlight++
    try {
      const counts = await Promise.all(peers.map(async (p) => await this.from(p, req, signal).catch(() => 0)))
      return counts.reduce((a, b) => a + b, 0)
    } finally {
      this.inFlight--
    }
  }

  private async from (peer: PeerId, req: Uint8Array, signal?: AbortSignal): Promise<number> {
    try {
      const items = await request(this.modules.libp2p, peer, this.protocol, req, this.opts, signal)
      this.modules.ingest(items)
      return items.length
    } catch (err) {
      if (!(err instanceof RequestError)) this.modules.logger.debug('sync failed', { peer: peer.toString(), error: errorMessage(err) })
      throw err
    }
  }

  /** Serve one request: nothing for a malformed one or a peer over its rate. */
  private answer (req: Uint8Array, from: string): Uint8Array[] {
    if (!this.allow(from)) return []
    const r = decodeSyncRequest(req)
    if (r === undefined) return []
    const ids = 'orderId' in r
      ? [r.orderId]
      : this.modules.store.recentOrderIds(r.since, this.opts.maxOrdersPerAnswer * 4).filter((id) => this.modules.isOpen(id)).slice(0, this.opts.maxOrdersPerAnswer)
    const out: Uint8Array[] = []
    let bytes = 0
    for (const id of ids) {
      for (const m of this.modules.store.messages(id)) {
        if (out.length >= this.opts.maxItems || bytes + m.bytes.length > (this.opts.maxTotalBytes ?? Infinity)) return out
        out.push(m.bytes)
        bytes += m.bytes.length
      }
    }
    return out
  }

  private allow (peer: string): boolean {
    const now = this.modules.clock.now()
    let r = this.rate.get(peer)
    if (r === undefined || now - r.start > this.opts.rateWindowMs) {
      r = { start: now, n: 0 }
      this.rate.delete(peer)
      this.rate.set(peer, r)
      if (this.rate.size > 4096) {
        const oldest = this.rate.keys().next().value
        if (oldest !== undefined) this.rate.delete(oldest)
      }
    }
    r.n++
    return r.n <= this.opts.maxRequestsPerPeer
  }
}

/**
 * Up to n peers chosen at random: always asking the first peers that connected would make one
 * early (possibly hostile) peer a permanent source of every sync.
 */
function sample<T> (items: T[], n: number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = items[i] as T
    items[i] = items[j] as T
    items[j] = t
  }
  return items.slice(0, n)
}

export function decodeSyncRequest (req: Uint8Array): SyncRequest | undefined {
  try {
    const v = cborDecode(req, { strict: true, useMaps: false, rejectDuplicateMapKeys: true }) as Record<string, unknown>
    if (v.orderId instanceof Uint8Array && v.orderId.length === 32 && Object.keys(v).length === 1) return { orderId: toHex(v.orderId) }
    if (typeof v.since === 'number' && Number.isSafeInteger(v.since) && v.since >= 0 && Object.keys(v).length === 1) return { since: v.since }
  } catch { /* malformed request: no response */ }
  return undefined
}
