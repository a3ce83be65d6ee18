import type { KadDHT, SelectFn, ValidateFn } from '@libp2p/kad-dht'
import { EventTypes } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { accountIdOf } from '../identity/index.js'
import { errorMessage } from '../util/errors.js'
import type { Logger } from '../util/logger.js'
import { decodeEnvelope, type SignedMessage } from '../wire/index.js'
import { P2pError } from './errors.js'
import { parseProviderRecordKey, providerRecordKey, providersCid, type NetworkNames } from './protocols.js'

/**
 * Provider announces in the DHT, so a node that joins late finds every provider at once instead
 * of waiting for the next periodic announce:
 *
 * - every provider `put`s its latest ProviderAnnounce envelope (the exact gossip bytes) under
 *   `/<prefix>-providers/<net>/<peerId>`, and `provide`s a well-known CID derived from the
 *   network id (providersCid);
 * - a joining node runs findProviders(providersCid) for the provider peer ids, then `get`s each
 *   provider's record. The record is self-certifying: the signer must be the peer id in the key.
 *
 * DHT peers check records with `announceRecordValidator` before storing them, and choose between
 * versions with `announceRecordSelector` (highest seq, then newest createdAt).
 */
export function decodeAnnounceRecord (n: NetworkNames, key: Uint8Array, value: Uint8Array): SignedMessage<'ProviderAnnounce'> {
  const peerId = parseProviderRecordKey(n, key)
  if (peerId === undefined) throw new P2pError('BAD_RECORD', 'not a provider record key of this network')
  const msg = decodeEnvelope(value)
  if (msg.type !== 'ProviderAnnounce') throw new P2pError('BAD_RECORD', `a provider record holds a ProviderAnnounce, not a ${msg.type}`)
  if (msg.body.net !== n.networkId) throw new P2pError('BAD_RECORD', 'provider record of another network')
  if (accountIdOf(msg.signer) !== peerId) throw new P2pError('RECORD_SIGNER_MISMATCH', 'provider record signed by another key than the one its key names')
  return msg
}

export function announceRecordValidator (n: NetworkNames): ValidateFn {
  return async (key, value) => { decodeAnnounceRecord(n, key, value) }
}

export function announceRecordSelector (n: NetworkNames): SelectFn {
  return (key, records) => {
    let best = 0
    let bestSeq = -1
    let bestAt = -1
    records.forEach((r, i) => {
      try {
        const m = decodeAnnounceRecord(n, key, r)
        if (m.body.seq > bestSeq || (m.body.seq === bestSeq && m.body.createdAt > bestAt)) {
          best = i; bestSeq = m.body.seq; bestAt = m.body.createdAt
        }
      } catch { /* an invalid record never wins */ }
    })
    return best
  }
}

export interface ProviderRecordsOptions extends NetworkNames {
  /** time limit of one put/provide or one discovery round */
  queryTimeoutMs: number
  /** records fetched in parallel during discovery */
  concurrency: number
}

export const defaultProviderRecordsOptions = { queryTimeoutMs: 10_000, concurrency: 8 }

export class ProviderRecords {
  constructor (private readonly opts: ProviderRecordsOptions, private readonly modules: { dht: KadDHT, logger: Logger }) {}

  /** Store our announce and advertise ourselves as a provider. Best effort: gossip is the other path. */
  async publish (msg: SignedMessage<'ProviderAnnounce'>, signal: AbortSignal): Promise<void> {
    const key = providerRecordKey(this.opts, accountIdOf(msg.signer))
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.opts.queryTimeoutMs)])
    const cid = await providersCid(this.opts)
    await Promise.all([
      drain(this.modules.dht.put(key, msg.bytes, { signal: timeout })),
      drain(this.modules.dht.provide(cid, { signal: timeout }))
    ])
  }

  /**
   * Every provider announce the DHT knows of, at most one per provider (the highest seq).
   * Providers for which `skip` is true (their announce came by gossip lately) are not fetched:
   * each record is a query to the closest peers.
   */
  async discover (signal: AbortSignal, skip: (peerId: string) => boolean = () => false): Promise<Array<SignedMessage<'ProviderAnnounce'>>> {
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.opts.queryTimeoutMs)])
    const cid = await providersCid(this.opts)
    const ids = new Set<string>()
    try {
      for await (const ev of this.modules.dht.findProviders(cid, { signal: timeout })) {
        if (ev.type === EventTypes.PROVIDER) for (const p of ev.providers) ids.add(p.id.toString())
      }
    } catch (err) {
      if (signal.aborted) throw err
      this.modules.logger.debug('findProviders ended early', { error: errorMessage(err) })
    }
    const out: Array<SignedMessage<'ProviderAnnounce'>> = []
    const queue = [...ids].filter((id) => !skip(id))
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const m = await this.get(id, timeout).catch(() => undefined)
        if (m !== undefined) out.push(m)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency, queue.length) }, worker))
    return out
  }

  /** The best valid record of one provider, or undefined. */
  async get (peerId: string, signal: AbortSignal): Promise<SignedMessage<'ProviderAnnounce'> | undefined> {
    peerIdFromString(peerId)
    const key = providerRecordKey(this.opts, peerId)
    let best: SignedMessage<'ProviderAnnounce'> | undefined
    try {
      for await (const ev of this.modules.dht.get(key, { signal })) {
        if (ev.type !== EventTypes.VALUE) continue
        try {
          const m = decodeAnnounceRecord(this.opts, key, ev.value)
          if (best === undefined || m.body.seq > best.body.seq) best = m
        } catch { /* a peer served a bad record: skip it */ }
      }
    } catch (err) {
      if (best === undefined && signal.aborted) throw err
    }
    return best
  }
}

async function drain (it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) { /* progress events */ }
}
