import { createHash } from 'node:crypto'
import type { Message } from '@libp2p/interface'

/**
 * Gossip message ids. The envelope bytes are the gossip data (StrictNoSign: libp2p adds no
 * from/seqno/signature), so sha256(data) is exactly the wire message id (src/wire messageId):
 * the id a peer asks for in IWANT is the id the market stores.
 *
 * fastMsgIdFn runs on every copy before anything else, to drop duplicates before they are decoded
 * and verified (STACK.md trap 4). It is the same sha256, not a cheaper non-cryptographic hash:
 * gossipsub treats equal fast ids as duplicates without looking further, so an unkeyed 32-bit hash
 * would let a peer censor a message by racing a colliding one. Native sha256 of a 1 KiB envelope
 * costs about 2 µs here, against about 100 µs to decode and verify it.
 */

// The digest computed by fastMsgIdFn for a data buffer, reused by msgIdFn for the same buffer
// (gossipsub hands both the same Uint8Array for StrictNoSign messages).
const lastDigest = new WeakMap<Uint8Array, Uint8Array>()

function digestOf (data: Uint8Array): Uint8Array {
  const cached = lastDigest.get(data)
  if (cached !== undefined) return cached
  const d = new Uint8Array(createHash('sha256').update(data).digest())
  lastDigest.set(data, d)
  return d
}

export function gossipMsgId (msg: Pick<Message, 'data'>): Uint8Array {
  return digestOf(msg.data)
}

export function fastGossipMsgId (rpc: { data?: Uint8Array }): string {
  return msgIdToString(digestOf(rpc.data ?? new Uint8Array(0)))
}

export function msgIdToString (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('base64')
}
