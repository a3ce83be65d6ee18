/**
 * Exact decimal amounts for prices (Akash DecCoin: 18 fractional digits), on bigint, never floats.
 *
 * Canonical form (what skymesh prints and hashes): the shortest plain decimal string:
 * no exponent, no sign, no leading zeros before the point (except a single "0"), no trailing
 * zeros after it, no trailing point. Examples: "1000", "0.5", "0.000001". Go prints the same
 * values as "1000.000000000000000000"; both denote the same number (see compareDecimal).
 */
import type { DecCoin, Group } from './types.js'

/** Akash's sdk.Dec precision. */
export const DEC_SCALE = 18
const SCALE_FACTOR = 10n ** BigInt(DEC_SCALE)

/**
 * Parse a non-negative decimal string into an integer scaled by 10^scale. Follows
 * LegacyNewDecFromStr: digits with an optional point and at most `scale` fractional digits;
 * no exponent, no underscores. Returns undefined on bad syntax or too much precision.
 */
export function parseDecimal (amount: string, scale: number = DEC_SCALE): bigint | undefined {
  const m = /^(\d*)(?:\.(\d+))?$/.exec(amount)
  if (m === null) return undefined
  const int = m[1] ?? ''
  const frac = m[2] ?? ''
  if (int === '' && frac === '') return undefined
  if (frac.length > scale) return undefined
  return BigInt((int === '' ? '0' : int) + frac.padEnd(scale, '0'))
}

/** The canonical string of a value scaled by 10^scale. */
export function formatDecimal (scaled: bigint, scale: number = DEC_SCALE): string {
  const neg = scaled < 0n
  const abs = neg ? -scaled : scaled
  const f = 10n ** BigInt(scale)
  const int = abs / f
  let frac = (abs % f).toString().padStart(scale, '0').replace(/0+$/, '')
  if (scale === 0) frac = ''
  return (neg ? '-' : '') + int.toString() + (frac.length > 0 ? '.' + frac : '')
}

/** Normalise an amount string to the canonical form; throws RangeError on a bad amount. */
export function normalizeDecimal (amount: string): string {
  const v = parseDecimal(amount)
  if (v === undefined) throw new RangeError(`not a decimal amount: ${amount}`)
  return formatDecimal(v)
}

/** -1, 0 or 1; accepts any forms parseDecimal accepts ("1000" equals "1000.000000000000000000"). */
export function compareDecimal (a: string, b: string): number {
  const x = parseDecimal(a)
  const y = parseDecimal(b)
  if (x === undefined || y === undefined) throw new RangeError('not a decimal amount')
  return x < y ? -1 : x > y ? 1 : 0
}

/** Go's 18-digit form, e.g. "150.000000000000000000" (as in Akash's JSON). */
export function formatGoDec (amount: string): string {
  const v = parseDecimal(amount)
  if (v === undefined) throw new RangeError(`not a decimal amount: ${amount}`)
  const int = v / SCALE_FACTOR
  return `${int}.${(v % SCALE_FACTOR).toString().padStart(DEC_SCALE, '0')}`
}

/**
 * An order's maximum price per block for a group: sum over units of price x count (Go's
 * GroupSpec.Price()). All units of a group share one denomination (the parser enforces it).
 */
export function groupMaxPrice (group: Group): DecCoin {
  let total = 0n
  let denom = ''
  for (const r of group.resources) {
    const p = parseDecimal(r.price.amount)
    if (p === undefined) throw new RangeError(`not a decimal amount: ${r.price.amount}`)
    if (denom === '') denom = r.price.denom
    else if (denom !== r.price.denom) throw new RangeError(`mixed denominations in group ${group.name}`)
    total += p * BigInt(r.count)
  }
  return { denom, amount: formatDecimal(total) }
}
