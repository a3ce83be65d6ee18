import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BPS, DEFAULT_MINT_SPREAD_BPS, MAX_AMOUNT, actForAktRedeem, actMintedForAkt, aktToBurnForAct, parseOraclePrice, type LedgerErrorCode, type OraclePrice
} from '../../../src/ledger/index.js'

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })

// Prices from 0.0001 USD to 10,000 USD per AKT at 8 decimals, or at any other feed's decimals.
const price: fc.Arbitrary<OraclePrice> = fc.oneof(
  fc.record({ value: fc.bigInt({ min: 10_000n, max: 1_000_000_000_000n }), decimals: fc.constant(8) }),
  fc.integer({ min: 0, max: 18 }).chain((decimals) => {
    const one = 10n ** BigInt(decimals)
    const min = one / 10_000n > 0n ? one / 10_000n : 1n
    return fc.record({ value: fc.bigInt({ min, max: one * 10_000n }), decimals: fc.constant(decimals) })
  })
)
// Up to ten million tokens: conversions stay below MAX_AMOUNT for every price above.
const micro = fc.bigInt({ min: 0n, max: 10n ** 13n })
const spread = fc.integer({ min: 0, max: 2000 })

describe('BME conversions', () => {
  const akt2_50: OraclePrice = { value: 250_000_000n, decimals: 8 }

  it('mints 1 ACT for 0.4 AKT at 2.50 USD plus the 0.25% spread', () => {
    expect(DEFAULT_MINT_SPREAD_BPS).toBe(25)
    expect(aktToBurnForAct(1_000_000n, akt2_50, 0)).toBe(400_000n)
    expect(aktToBurnForAct(1_000_000n, akt2_50)).toBe(401_000n)
    expect(actMintedForAkt(401_000n, akt2_50)).toBe(1_000_000n)
    expect(actMintedForAkt(400_999n, akt2_50)).toBe(999_997n)
    expect(actForAktRedeem(1_000_000n, akt2_50)).toBe(400_000n)
    expect(actForAktRedeem(1_000_000n, akt2_50, 25)).toBe(399_000n)
  })

  it('rounds against the user on every edge', () => {
    const third: OraclePrice = { value: 300_000_000n, decimals: 8 } // 3 USD: uact/3 never divides evenly
    expect(aktToBurnForAct(1n, third, 0)).toBe(1n) // 0.33 uakt: the burn rounds up
    expect(actMintedForAkt(1n, third, 0)).toBe(3n)
    expect(actMintedForAkt(1n, third, 25)).toBe(2n) // 2.99 uact: the mint rounds down
    expect(actForAktRedeem(2n, third, 0)).toBe(0n) // 0.67 uakt: the redeem rounds down
    expect(aktToBurnForAct(0n, third)).toBe(0n)
  })

  it('paying the quoted burn always mints at least what was asked, never a micro-unit of surplus beyond the price', () => {
    fc.assert(fc.property(micro, price, spread, (uact, p, s) => {
      const uakt = aktToBurnForAct(uact, p, s)
      expect(actMintedForAkt(uakt, p, s)).toBeGreaterThanOrEqual(uact)
      // one uakt less would not have been enough
      if (uakt > 0n) expect(actMintedForAkt(uakt - 1n, p, s)).toBeLessThan(uact)
      // exact in rationals: uakt * P * B >= uact * D * (B + s)
      const d = 10n ** BigInt(p.decimals)
      expect(uakt * p.value * BigInt(BPS)).toBeGreaterThanOrEqual(uact * d * (BigInt(BPS) + BigInt(s)))
    }), { numRuns: 1000 })
  })

  it('a burn then a redeem never creates value, whatever the spreads', () => {
    fc.assert(fc.property(micro, price, spread, spread, (uakt, p, s1, s2) => {
      const minted = actMintedForAkt(uakt, p, s1)
      expect(actForAktRedeem(minted, p, s2)).toBeLessThanOrEqual(uakt)
      // and the other way round: ACT redeemed for AKT buys back at most that ACT
      const redeemed = actForAktRedeem(uakt, p, s2)
      expect(actMintedForAkt(redeemed, p, s1)).toBeLessThanOrEqual(uakt)
    }), { numRuns: 1000 })
  })

  it('is monotonic in the amount, the price and the spread', () => {
    fc.assert(fc.property(micro, micro, price, spread, spread, (a0, a1, p, s0, s1) => {
      const [lo, hi] = a0 <= a1 ? [a0, a1] : [a1, a0]
      const [slo, shi] = s0 <= s1 ? [s0, s1] : [s1, s0]
      expect(aktToBurnForAct(lo, p, s0)).toBeLessThanOrEqual(aktToBurnForAct(hi, p, s0))
      expect(actMintedForAkt(lo, p, s0)).toBeLessThanOrEqual(actMintedForAkt(hi, p, s0))
      expect(actForAktRedeem(lo, p, s0)).toBeLessThanOrEqual(actForAktRedeem(hi, p, s0))
      // a wider spread costs the user
      expect(aktToBurnForAct(lo, p, slo)).toBeLessThanOrEqual(aktToBurnForAct(lo, p, shi))
      expect(actMintedForAkt(lo, p, slo)).toBeGreaterThanOrEqual(actMintedForAkt(lo, p, shi))
      expect(actForAktRedeem(lo, p, slo)).toBeGreaterThanOrEqual(actForAktRedeem(lo, p, shi))
      // a dearer AKT needs fewer of them
      const dearer = { value: p.value * 2n, decimals: p.decimals }
      expect(aktToBurnForAct(lo, dearer, s0)).toBeLessThanOrEqual(aktToBurnForAct(lo, p, s0))
    }), { numRuns: 500 })
  })

  it('returns bigint micro-units only (no floats anywhere)', () => {
    fc.assert(fc.property(micro, price, spread, (a, p, s) => {
      for (const v of [aktToBurnForAct(a, p, s), actMintedForAkt(a, p, s), actForAktRedeem(a, p, s)]) expect(typeof v).toBe('bigint')
    }), { numRuns: 200 })
  })

  it('refuses bad inputs with codes', () => {
    expect(() => aktToBurnForAct(-1n, akt2_50)).toThrow(code('AMOUNT_NEGATIVE'))
    expect(() => aktToBurnForAct(MAX_AMOUNT + 1n, akt2_50)).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => aktToBurnForAct(1.5 as unknown as bigint, akt2_50)).toThrow(code('AMOUNT_MALFORMED'))
    // a cheap AKT turns a large ACT amount into more uakt than an amount can hold
    expect(() => aktToBurnForAct(MAX_AMOUNT, { value: 1n, decimals: 8 })).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => actForAktRedeem(MAX_AMOUNT, { value: 1n, decimals: 8 })).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => aktToBurnForAct(1n, { value: 0n, decimals: 8 })).toThrow(code('PRICE_INVALID'))
    expect(() => aktToBurnForAct(1n, { value: -5n, decimals: 8 })).toThrow(code('PRICE_INVALID'))
    expect(() => aktToBurnForAct(1n, { value: 1n << 128n, decimals: 8 })).toThrow(code('PRICE_INVALID'))
    expect(aktToBurnForAct(1_000_000n, { value: (1n << 128n) - 1n, decimals: 18 }, 0)).toBe(1n)
    expect(() => aktToBurnForAct(1n, { value: 5n, decimals: 19 })).toThrow(code('PRICE_INVALID'))
    expect(() => aktToBurnForAct(1n, { value: 5n, decimals: 1.5 })).toThrow(code('PRICE_INVALID'))
    expect(() => aktToBurnForAct(1n, akt2_50, -1)).toThrow(code('SPREAD_INVALID'))
    expect(() => aktToBurnForAct(1n, akt2_50, 2.5)).toThrow(code('SPREAD_INVALID'))
    expect(() => actForAktRedeem(1n, akt2_50, BPS)).toThrow(code('SPREAD_INVALID'))
  })

  it('parses oracle prices into fixed decimals', () => {
    expect(parseOraclePrice('2.5')).toEqual({ value: 250_000_000n, decimals: 8 })
    expect(parseOraclePrice('0.00000001')).toEqual({ value: 1n, decimals: 8 })
    expect(parseOraclePrice('3', 0)).toEqual({ value: 3n, decimals: 0 })
    expect(() => parseOraclePrice('0.000000001')).toThrow(code('PRICE_INVALID'))
    expect(() => parseOraclePrice('0')).toThrow(code('PRICE_INVALID'))
    expect(() => parseOraclePrice('-2')).toThrow(code('PRICE_INVALID'))
    expect(() => parseOraclePrice('2.5e3')).toThrow(code('PRICE_INVALID'))
  })
})
