/**
 * Burn-Mint Equilibrium, as on Akash: a tenant mints ACT (a compute credit worth 1 USD) by
 * burning AKT at the oracle's AKT/USD price; a provider redeems earned ACT for freshly minted
 * AKT. Integer arithmetic only; every division rounds in the protocol's favour, so a user never
 * receives one micro-unit more than the price allows and a burn-then-redeem never creates value.
 *
 * With P = price.value, D = 10^price.decimals (P / D is USD per AKT; 1 uact = 1 micro-USD),
 * B = 10,000 basis points and s = the spread in basis points:
 *
 *   aktToBurnForAct(uact)  = ceil (uact * D * (B + s) / (P * B))   uakt to burn for exactly uact
 *   actMintedForAkt(uakt)  = floor(uakt * P * B / (D * (B + s)))   uact minted by burning uakt
 *   actForAktRedeem(uact)  = floor(uact * D * (B - s) / (P * B))   uakt minted for redeeming uact
 *
 * The spread is what the protocol keeps: minting burns (1 + s/B) times the ACT's value in AKT,
 * redeeming pays (1 - s/B) of it. DESIGN.md section 4 puts the default 0.25% spread on minting
 * and redeems "at the oracle price", so redeeming defaults to a spread of 0; a network file may
 * set its own.
 */
import { LedgerError } from './errors.js'
import { MAX_AMOUNT, checkAmount } from './money.js'

export interface OraclePrice {
  /** USD per AKT times 10^decimals: 2.5 USD at 8 decimals is 250_000_000n */
  value: bigint
  decimals: number
}

/** Chainlink's USD feeds and Pyth's AKT/USD both report 8 decimals. */
export const DEFAULT_PRICE_DECIMALS = 8
/** 0.25%, DESIGN.md section 4. */
export const DEFAULT_MINT_SPREAD_BPS = 25
export const DEFAULT_REDEEM_SPREAD_BPS = 0
export const BPS = 10_000
const B = BigInt(BPS)
const MAX_PRICE_DECIMALS = 18
/** A uint128, as an EVM oracle contract would store it: room for 18 decimals and any real price. */
const MAX_PRICE = (1n << 128n) - 1n

function checkPrice (price: OraclePrice): { p: bigint, d: bigint } {
  if (typeof price?.value !== 'bigint' || price.value <= 0n || price.value > MAX_PRICE) {
    throw new LedgerError('PRICE_INVALID', `an oracle price is a positive integer up to 2^128 - 1`, { details: { value: String(price?.value) } })
  }
  if (!Number.isInteger(price.decimals) || price.decimals < 0 || price.decimals > MAX_PRICE_DECIMALS) {
    throw new LedgerError('PRICE_INVALID', `an oracle price has 0 to ${MAX_PRICE_DECIMALS} decimals, not ${price.decimals}`, { details: { decimals: price.decimals } })
  }
  return { p: price.value, d: 10n ** BigInt(price.decimals) }
}

function checkSpread (bps: number): bigint {
  if (!Number.isInteger(bps) || bps < 0 || bps >= BPS) {
    throw new LedgerError('SPREAD_INVALID', `a spread is a whole number of basis points in [0, ${BPS}), not ${bps}`, { details: { bps } })
  }
  return BigInt(bps)
}

function ceilDiv (a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b
}

function result (v: bigint, what: string): bigint {
  if (v > MAX_AMOUNT) throw new LedgerError('AMOUNT_OVERFLOW', `${what} would be ${v}, above the largest amount ${MAX_AMOUNT}`, { details: { what, amount: v.toString() } })
  return v
}

/** uakt a tenant burns to mint exactly `uact`: rounded up. */
export function aktToBurnForAct (uact: bigint, price: OraclePrice, spreadBps: number = DEFAULT_MINT_SPREAD_BPS): bigint {
  checkAmount(uact, 'uact')
  const { p, d } = checkPrice(price)
  const s = checkSpread(spreadBps)
  return result(ceilDiv(uact * d * (B + s), p * B), 'uakt to burn')
}

/** uact minted by burning `uakt`: rounded down. */
export function actMintedForAkt (uakt: bigint, price: OraclePrice, spreadBps: number = DEFAULT_MINT_SPREAD_BPS): bigint {
  checkAmount(uakt, 'uakt')
  const { p, d } = checkPrice(price)
  const s = checkSpread(spreadBps)
  return result((uakt * p * B) / (d * (B + s)), 'uact minted')
}

/** uakt minted for a provider redeeming `uact`: rounded down. */
export function actForAktRedeem (uact: bigint, price: OraclePrice, spreadBps: number = DEFAULT_REDEEM_SPREAD_BPS): bigint {
  checkAmount(uact, 'uact')
  const { p, d } = checkPrice(price)
  const s = checkSpread(spreadBps)
  return result((uact * d * (B - s)) / (p * B), 'uakt redeemed')
}

/** "2.51" → {value: 251000000n, decimals: 8}; refuses more decimals than the feed carries. */
export function parseOraclePrice (text: string, decimals: number = DEFAULT_PRICE_DECIMALS): OraclePrice {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_PRICE_DECIMALS) {
    throw new LedgerError('PRICE_INVALID', `an oracle price has 0 to ${MAX_PRICE_DECIMALS} decimals, not ${decimals}`)
  }
  const m = /^(\d{1,39})(?:\.(\d+))?$/.exec(text)
  if (m === null || (m[2] ?? '').length > decimals) {
    throw new LedgerError('PRICE_INVALID', `${JSON.stringify(text.slice(0, 40))} is not a price with at most ${decimals} decimal places`)
  }
  const value = BigInt((m[1] as string) + (m[2] ?? '').padEnd(decimals, '0'))
  checkPrice({ value, decimals })
  return { value, decimals }
}
