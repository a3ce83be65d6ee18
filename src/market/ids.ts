import { sha256 } from '../identity/hash.js'
import { utf8, toHex, compareBytes } from '../util/bytes.js'
import { encodeCanonical, type Price } from '../wire/index.js'

const ORDER_ID_DOMAIN = utf8('skymesh/1/order-id\u0000')
const COMMITMENT_DOMAIN = utf8('skymesh/1/commitment\u0000')
const TIE_DOMAIN = utf8('skymesh/1/tie\u0000')

function u64be (n: number | bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

/** Order id = sha256(domain, tenant public key, dseq, gseq): one id per placement group. */
export function orderIdOf (tenant: Uint8Array, dseq: number, gseq: number): Uint8Array {
  return sha256(ORDER_ID_DOMAIN, tenant, u64be(dseq), u64be(gseq))
}

/**
 * Commitment = sha256(domain, orderId, provider, canonical CBOR of the price, salt). The salt
 * (32 random bytes) hides the price until the reveal; the provider and order bind it so a
 * commitment cannot be copied to another order or claimed by another provider.
 */
export function commitmentOf (orderId: Uint8Array, provider: Uint8Array, price: Price, salt: Uint8Array): Uint8Array {
  return sha256(COMMITMENT_DOMAIN, orderId, provider, encodeCanonical({ denom: price.denom, amount: price.amount }), salt)
}

/** Ties between equal prices go to the lowest sha256(orderId, provider): fair and unpredictable before the order exists. */
export function tieBreakOf (orderId: Uint8Array, provider: Uint8Array): Uint8Array {
  return sha256(TIE_DOMAIN, orderId, provider)
}

/** Lease id = order id + provider (hex, joined by '/'). */
export function leaseIdOf (orderId: Uint8Array, provider: Uint8Array): string {
  return `${toHex(orderId)}/${toHex(provider)}`
}

/** Sorted ascending and no duplicates, bytewise. */
export function isStrictlySorted (ids: readonly Uint8Array[]): boolean {
  for (let i = 1; i < ids.length; i++) if (compareBytes(ids[i - 1] as Uint8Array, ids[i] as Uint8Array) >= 0) return false
  return true
}

export function sortIds (ids: Iterable<Uint8Array>): Uint8Array[] {
  return [...ids].sort(compareBytes)
}
