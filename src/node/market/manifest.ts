import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { decode as cborDecode } from 'cborg'
import { accountIdOf, sha256, type NodeKey } from '../../identity/index.js'
import type { Lease, OrderBook } from '../../market/index.js'
import { request, serve, type ExchangeLimits } from '../../p2p/request-response.js'
import { equalBytes, fromHex, toHex, utf8 } from '../../util/bytes.js'
import type { Clock } from '../../util/clock.js'
import { errorMessage } from '../../util/errors.js'
import type { Logger } from '../../util/logger.js'
import { encodeCanonical, signMessage, type AnySignedMessage } from '../../wire/index.js'
import type { Store } from '../store.js'

export type ManifestOptions = ExchangeLimits & { attempts: number }

// The provider creates the lease's containers before it accepts (an image may have to be pulled
// first): the exchange may take a while.
export const defaultManifestOptions: ManifestOptions = { maxRequestBytes: 1024 * 1024 + 1024, maxItemBytes: 4096, maxItems: 1, timeoutMs: 60_000, attempts: 5 }

/** Why a provider refused to run a lease's manifest (its answer instead of a LeaseAccept). */
export interface ManifestFailure { code: string, message: string }

export interface ManifestModules {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'peerStore'>
  store: Store
  key: NodeKey
  clock: Clock
  logger: Logger
  book: OrderBook
  networkId: string
  /** does this provider hold capacity for the order (it bid)? */
  holds: (orderId: string) => boolean
  /** known addresses of a provider (from its announce) */
  providerAddrs: (accountId: string) => string[]
  syncOrder: (orderId: string) => Promise<unknown>
  ingest: (bytes: Uint8Array) => void
  publish: (msg: AnySignedMessage) => Promise<void>
  /** a lease's state moved (accepted, or refused by its provider) */
  updated: (orderId: string) => void
  /**
   * provider side: run the lease before accepting it (an accepted lease has its services
   * created); a throw refuses the manifest with the error's code and message
   */
  beforeAccept?: (orderId: string, manifest: Uint8Array) => Promise<void>
}

/**
 * The manifest protocol `/<prefix>/<net>/manifest/1.0.0`: after the award the tenant sends the
 * canonical manifest (the bytes whose sha256 the order committed to) to the winner, which
 * answers with a signed LeaseAccept it also gossips.
 */
export class ManifestExchange {
  private readonly delivering = new Set<string>()
  /** tenant side: leases whose provider refused the manifest, and why (bounded) */
  private readonly failures = new Map<string, ManifestFailure>()

  constructor (private readonly protocol: string, private readonly opts: ManifestOptions, private readonly modules: ManifestModules) {}

  async start (): Promise<void> {
    await serve(this.modules.libp2p, this.protocol, async (req, from) => await this.answer(req, from), this.opts)
  }

  async stop (): Promise<void> {
    await this.modules.libp2p.unhandle(this.protocol)
  }

  /** The canonical manifest JSON of a deployment (stored at deploy), the bytes its hash commits to. */
  private manifestBytes (orderId: string): Uint8Array | undefined {
    const d = this.modules.store.deploymentOf(orderId)
    return d === undefined ? undefined : utf8(d.manifest)
  }

  /** Tenant side: deliver the manifest to the lease's provider, with retries and backoff. */
  async deliver (orderId: string, lease: Lease): Promise<void> {
    if (this.delivering.has(orderId)) return
    this.delivering.add(orderId)
    try {
      const manifest = this.manifestBytes(orderId)
      if (manifest === undefined) return
      const provider = accountIdOf(lease.provider)
      const peer = peerIdFromString(provider)
      const addrs = this.modules.providerAddrs(provider).flatMap((a) => { try { return [multiaddr(a)] } catch { return [] } })
      if (addrs.length > 0) await this.modules.libp2p.peerStore.merge(peer, { multiaddrs: addrs }).catch(() => {})
      const req = encodeCanonical({ orderId: fromHex(orderId) as Uint8Array, manifest })
      for (let attempt = 0; attempt < this.opts.attempts; attempt++) {
        const state = this.modules.book.outcome(orderId)
        if (state?.status !== 'leased' || state.lease.state !== 'awarded') return
        try {
          const replies = await request(this.modules.libp2p, peer, this.protocol, req, this.opts)
          const refused = replies.map(decodeFailure).find((f) => f !== undefined)
          if (refused !== undefined) {
            // the provider could not run it (a missing image, limits): final, the tenant sees why
            this.failures.set(orderId, refused)
            if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string)
            this.modules.logger.warn('the provider refused the manifest', { orderId, provider, code: refused.code })
            this.modules.updated(orderId)
            return
          }
          for (const r of replies) this.modules.ingest(r)
          const o = this.modules.book.outcome(orderId)
          if (o?.status === 'leased' && o.lease.state !== 'awarded') {
            this.modules.updated(orderId)
            return
          }
        } catch (err) {
          this.modules.logger.debug('manifest delivery failed', { orderId, attempt, error: errorMessage(err) })
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt))
      }
      this.modules.logger.warn('manifest not delivered', { orderId, provider })
    } finally {
      this.delivering.delete(orderId)
    }
  }

  /** Provider side: take the manifest of a lease this node won from its tenant; answer with LeaseAccept. */
  private async answer (req: Uint8Array, from: string): Promise<Uint8Array[]> {
    const r = decodeManifestRequest(req)
    if (r === undefined) return []
    const orderId = toHex(r.orderId)
    const book = this.modules.book
    // only for an order this provider bid on, and only from its tenant: nobody else can make
    // this node fetch anything
    const known = book.get(orderId)?.order
    if (known === undefined || accountIdOf(known.signer) !== from || !this.modules.holds(orderId)) return []
    let o = book.outcome(orderId)
    // the award may not have reached us yet: fetch the order's messages first
    if (o?.status !== 'leased') { await this.modules.syncOrder(orderId); o = book.outcome(orderId) }
    const a = book.get(orderId)
    if (o?.status !== 'leased' || a?.order === undefined) return []
    if (!equalBytes(o.lease.provider, this.modules.key.publicKey)) return []
    // only the tenant delivers its manifest, and only the one its order commits to
    if (accountIdOf(o.lease.tenant) !== from) return []
    if (!equalBytes(sha256(r.manifest), a.order.body.manifestHash)) return []
    // past the order's final deadline an accept would not count anywhere
    if (a.isFinal(this.modules.clock.now())) return []
    this.modules.store.set(`manifest:${orderId}`, Buffer.from(r.manifest).toString('utf8'))
    if (this.modules.beforeAccept !== undefined) {
      try {
        await this.modules.beforeAccept(orderId, r.manifest)
      } catch (err) {
        const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'WORKLOAD_FAILED'
        return [encodeCanonical({ refused: { code: code.slice(0, 64), message: (err instanceof Error ? err.message : String(err)).slice(0, 1000) } })]
      }
    }
    if (o.lease.state !== 'awarded') {
      const accept = a.messages().find((m) => m.type === 'LeaseAccept')
      return accept === undefined ? [] : [accept.bytes]
    }
    const accept = signMessage(this.modules.key, 'LeaseAccept', { net: this.modules.networkId, createdAt: this.modules.clock.now(), orderId: r.orderId, awardId: o.lease.awardId, manifestHash: a.order.body.manifestHash })
    await this.modules.publish(accept)
    return [accept.bytes]
  }

  /** Why the provider refused this order's manifest, if it did (tenant side). */
  failure (orderId: string): ManifestFailure | undefined {
    return this.failures.get(orderId)
  }
}

function decodeFailure (frame: Uint8Array): ManifestFailure | undefined {
  try {
    const v = cborDecode(frame, { strict: true, useMaps: false }) as { refused?: { code?: unknown, message?: unknown } }
    const f = v?.refused
    if (typeof f?.code === 'string' && typeof f.message === 'string') return { code: f.code.slice(0, 64), message: f.message.slice(0, 1000) }
  } catch { /* an envelope, not a refusal */ }
  return undefined
}

function decodeManifestRequest (req: Uint8Array): { orderId: Uint8Array, manifest: Uint8Array } | undefined {
  try {
    const v = cborDecode(req, { strict: true, useMaps: false, rejectDuplicateMapKeys: true }) as Record<string, unknown>
    if (v.orderId instanceof Uint8Array && v.orderId.length === 32 && v.manifest instanceof Uint8Array && Object.keys(v).length === 2) return { orderId: v.orderId, manifest: v.manifest }
  } catch { /* malformed request: no response */ }
  return undefined
}
