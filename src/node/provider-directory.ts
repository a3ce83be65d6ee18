import { accountIdOf } from '../identity/index.js'
import type { Clock } from '../util/clock.js'
import type { SignedMessage } from '../wire/index.js'

export type AnnounceSource = 'gossip' | 'dht' | 'self'

export interface ProviderEntry {
  peerId: string
  msg: SignedMessage<'ProviderAnnounce'>
  source: AnnounceSource
  /** local ms when this version arrived */
  receivedAt: number
}

export interface ProviderDirectoryOptions {
  /** providers remembered; the least recently updated is forgotten first */
  maxProviders: number
}

export const defaultProviderDirectoryOptions: ProviderDirectoryOptions = { maxProviders: 10_000 }

/** The latest announce of every provider, from gossip, the DHT or ourselves; highest seq wins. */
export class ProviderDirectory {
  private readonly entries = new Map<string, ProviderEntry>()

  constructor (private readonly opts: ProviderDirectoryOptions, private readonly modules: { clock: Clock }) {}

  latestSeq (peerId: string): number | undefined {
    return this.entries.get(peerId)?.msg.body.seq
  }

  /** Keep `msg` if it is newer than what we hold; true when it replaced something or was new. */
  upsert (msg: SignedMessage<'ProviderAnnounce'>, source: AnnounceSource): boolean {
    const peerId = accountIdOf(msg.signer)
    const cur = this.entries.get(peerId)
    if (cur !== undefined && cur.msg.body.seq >= msg.body.seq) return false
    this.entries.delete(peerId)
    this.entries.set(peerId, { peerId, msg, source, receivedAt: this.modules.clock.now() })
    if (this.entries.size > this.opts.maxProviders) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    return true
  }

  get (peerId: string): ProviderEntry | undefined {
    return this.entries.get(peerId)
  }

  list (): ProviderEntry[] {
    return [...this.entries.values()].sort((a, b) => a.peerId.localeCompare(b.peerId))
  }

  get size (): number {
    return this.entries.size
  }
}
