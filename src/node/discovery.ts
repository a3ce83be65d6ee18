import type { ProviderRecords } from '../p2p/index.js'
import { errorMessage } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import type { SignedMessage } from '../wire/index.js'

export interface DiscoveryOptions {
  intervalMs: number
  /** first retry while the DHT has no peers or finds nothing; doubles up to intervalMs */
  retryBaseMs: number
}

/**
 * Finds provider announces in the DHT: right after start (so a late joiner lists every provider
 * without waiting for the next announce), then periodically, which also recovers announces that
 * gossip dropped (STACK.md trap 11).
 */
export class ProviderDiscovery {
  private readonly controller = new AbortController()
  private timer: ReturnType<typeof setTimeout> | undefined
  private retryMs: number
  private running = false
  rounds = 0
  lastFound = -1

  constructor (private readonly opts: DiscoveryOptions, private readonly modules: {
    records: Pick<ProviderRecords, 'discover'>
    /** providers whose announce is fresh already (not fetched again) */
    fresh?: (peerId: string) => boolean
    /** peers in the DHT routing table: a search with none cannot find anything */
    dhtPeers: () => number
    accept: (msg: SignedMessage<'ProviderAnnounce'>) => void
    logger: Logger
  }) {
    this.retryMs = opts.retryBaseMs
  }

  start (): void {
    this.schedule(0)
  }

  stop (): void {
    this.controller.abort()
    clearTimeout(this.timer)
  }

  /** Search now (also called when the first DHT peer appears). */
  kick (): void {
    if (!this.running) this.schedule(0)
  }

  private schedule (ms: number): void {
    clearTimeout(this.timer)
    if (this.controller.signal.aborted) return
    this.timer = setTimeout(() => { void this.round() }, ms)
    this.timer.unref()
  }

  private async round (): Promise<void> {
    if (this.running) return
    this.running = true
    let found = 0
    const previous = this.lastFound
    try {
      if (this.modules.dhtPeers() > 0) {
        const msgs = await this.modules.records.discover(this.controller.signal, this.modules.fresh)
        for (const m of msgs) this.modules.accept(m)
        found = msgs.length
        this.rounds++
        this.lastFound = found
      }
    } catch (err) {
      if (!this.controller.signal.aborted) this.modules.logger.debug('provider discovery failed', { error: errorMessage(err) })
    } finally {
      this.running = false
    }
    if (found > 0 && found > previous) {
      // New information: look again soon, records may still be landing.
      this.retryMs = this.opts.retryBaseMs
    }
    // Back off (1 s, 2 s, 4 s, … up to the interval) even when two rounds agree: providers that
    // started with us put their records a little later, and a round costs a few messages.
    this.schedule(this.retryMs)
    this.retryMs = Math.min(this.retryMs * 2, this.opts.intervalMs)
  }
}
