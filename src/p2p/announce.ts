import { multiaddr } from '@multiformats/multiaddr'
import type { SignedMessage } from '../wire/index.js'
import { P2pError } from './errors.js'

/**
 * Application checks of a ProviderAnnounce, beyond what the adapter already proved (canonical
 * body, signature, topic, network, clock skew). `latestSeq` is what this node holds for the
 * signer, if anything.
 */
export function validateProviderAnnounce (msg: SignedMessage<'ProviderAnnounce'>, latestSeq: number | undefined): void {
  const b = msg.body
  // [IGNORE] not newer than the announce we hold: a replay or an honest reordering, not proof of fault
  if (latestSeq !== undefined && b.seq <= latestSeq) {
    throw new P2pError('STALE_ANNOUNCE', `announce seq ${b.seq} is not newer than ${latestSeq}`, { action: 'IGNORE', details: { seq: b.seq, latest: latestSeq } })
  }
  // [REJECT] an address that is not a multiaddr: the signer wrote garbage
  for (const [i, a] of b.addrs.entries()) {
    try {
      multiaddr(a)
    } catch {
      throw new P2pError('BAD_ANNOUNCE', `addrs[${i}] is not a multiaddr`, { details: { path: `ProviderAnnounce.addrs[${i}]` } })
    }
  }
  // [REJECT] more available than the provider has in total
  if (b.available.cpu > b.total.cpu || b.available.memory > b.total.memory) {
    throw new P2pError('BAD_ANNOUNCE', 'available capacity exceeds total capacity', { details: { path: 'ProviderAnnounce.available' } })
  }
}
