/**
 * Amounts are integers of micro-units held as bigint (`uakt`, `uact`: 10^6 per token, as on
 * Akash); a float never touches money. Every amount lies in [0, MAX_AMOUNT].
 */
import { LedgerError } from './errors.js'

export type Denom = 'uakt' | 'uact'
export const DENOMS: readonly Denom[] = ['uakt', 'uact']

export interface Coin {
  denom: Denom
  amount: bigint
}

/** Decimal places of a whole token: 1 AKT = 10^6 uakt, 1 ACT = 10^6 uact. */
export const TOKEN_DECIMALS = 6
export const MICRO_PER_TOKEN = 10n ** BigInt(TOKEN_DECIMALS)

/**
 * 2^63 - 1, the largest signed 64-bit integer: an SQLite INTEGER, a Go int64 and a Solidity
 * int64 or uint64 all hold it, so an amount never changes on its way through any of them.
 * AKT's whole supply (under 4 x 10^14 uakt) fits more than 20,000 times, so no honest total comes near.
 */
export const MAX_AMOUNT = (1n << 63n) - 1n

const TOKEN_SYMBOL: Record<Denom, string> = { uakt: 'AKT', uact: 'ACT' }

/** Returns the amount if it is a valid amount (an integer in [0, MAX_AMOUNT]), else throws. */
export function checkAmount (amount: bigint, what = 'amount'): bigint {
  if (typeof amount !== 'bigint') {
    throw new LedgerError('AMOUNT_MALFORMED', `${what} must be an integer number of micro-units (bigint), not ${typeof amount}`, { details: { what } })
  }
  if (amount < 0n) throw new LedgerError('AMOUNT_NEGATIVE', `${what} is negative: ${amount}`, { details: { what, amount: amount.toString() } })
  if (amount > MAX_AMOUNT) throw new LedgerError('AMOUNT_OVERFLOW', `${what} ${amount} is above the largest amount ${MAX_AMOUNT}`, { details: { what, amount: amount.toString() } })
  return amount
}

/** Sum that refuses to leave [0, MAX_AMOUNT]. */
export function addAmounts (...amounts: bigint[]): bigint {
  let total = 0n
  for (const a of amounts) total = checkAmount(total + checkAmount(a), 'sum')
  return total
}

/** a - b, refused when b > a (a balance never goes below zero). */
export function subAmount (a: bigint, b: bigint): bigint {
  return checkAmount(checkAmount(a) - checkAmount(b), 'difference')
}

// The longest text that can still be an amount: 19 integer digits, a point, 6 fractional digits
// and some zeros after them. Longer inputs are refused before any bigint is built from them.
const MAX_TEXT = 64
const DECIMAL = /^(\d+)(?:\.(\d+))?$/

function parseScaled (text: string, scale: number, what: string): bigint {
  if (typeof text !== 'string') throw new LedgerError('AMOUNT_MALFORMED', `${what} must be text`, { details: { what } })
  if (text.startsWith('-')) throw new LedgerError('AMOUNT_NEGATIVE', `${what} ${JSON.stringify(text)} is negative`, { details: { what } })
  const m = text.length <= MAX_TEXT ? DECIMAL.exec(text) : null
  if (m === null) {
    if (/^\d{20,}$/.test(text)) throw new LedgerError('AMOUNT_OVERFLOW', `${what} has too many digits`, { details: { what } })
    throw new LedgerError('AMOUNT_MALFORMED', `${what} ${JSON.stringify(text.slice(0, MAX_TEXT))} is not a plain decimal number (digits, at most one point, no sign or exponent)`, { details: { what } })
  }
  const int = m[1] as string
  let frac = m[2] ?? ''
  // Zeros past the last micro-unit change nothing; any other digit there is a fraction of one.
  if (frac.length > scale) {
    if (/[^0]/.test(frac.slice(scale))) {
      throw new LedgerError('AMOUNT_FRACTIONAL', `${what} ${text} has a fraction of a micro-unit (at most ${scale} decimal places)`, { details: { what } })
    }
    frac = frac.slice(0, scale)
  }
  if (int.replace(/^0+/, '').length > 19) throw new LedgerError('AMOUNT_OVERFLOW', `${what} ${text} is too large`, { details: { what } })
  return checkAmount(BigInt(int + frac.padEnd(scale, '0')), what)
}

/** "1500000" (micro-units, integer text) → 1500000n. */
export function parseMicro (text: string, what = 'amount'): bigint {
  return parseScaled(text, 0, what)
}

/** "1.5" (whole tokens, up to 6 decimal places) → 1500000n micro-units. */
export function parseTokens (text: string, what = 'amount'): bigint {
  return parseScaled(text, TOKEN_DECIMALS, what)
}

/** 1500000n → "1.5": the shortest exact decimal of the whole tokens. */
export function formatTokens (micro: bigint): string {
  checkAmount(micro)
  const int = micro / MICRO_PER_TOKEN
  const frac = (micro % MICRO_PER_TOKEN).toString().padStart(TOKEN_DECIMALS, '0').replace(/0+$/, '')
  return frac.length > 0 ? `${int}.${frac}` : int.toString()
}

/**
 * A coin as people write it: micro-units with their denomination as the Akash CLI takes them
 * ("500000000uakt"), or whole tokens with a symbol ("500 AKT", "0.25act").
 */
export function parseCoin (text: string): Coin {
  const m = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(text.trim())
  if (m === null) {
    if (text.trim().startsWith('-')) throw new LedgerError('AMOUNT_NEGATIVE', `${JSON.stringify(text)} is negative`)
    throw new LedgerError('AMOUNT_MALFORMED', `${JSON.stringify(text.slice(0, MAX_TEXT))} is not an amount with a denomination (e.g. 1500000uakt or 1.5 AKT)`)
  }
  const unit = (m[2] as string).toLowerCase()
  if (unit === 'uakt' || unit === 'uact') return { denom: unit, amount: parseMicro(m[1] as string) }
  if (unit === 'akt' || unit === 'act') return { denom: `u${unit}`, amount: parseTokens(m[1] as string) }
  throw new LedgerError('AMOUNT_MALFORMED', `unknown denomination ${JSON.stringify(m[2])}: uakt, uact, AKT or ACT`)
}

/** "1.5 AKT". */
export function formatCoin (coin: Coin): string {
  return `${formatTokens(coin.amount)} ${TOKEN_SYMBOL[coin.denom]}`
}
