import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_AMOUNT, addAmounts, checkAmount, formatCoin, formatTokens, parseCoin, parseMicro, parseTokens, subAmount, type LedgerErrorCode
} from '../../../src/ledger/index.js'

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })
const amount = fc.bigInt({ min: 0n, max: MAX_AMOUNT })

describe('amounts', () => {
  it('parses whole tokens into micro-units', () => {
    expect(parseTokens('1')).toBe(1_000_000n)
    expect(parseTokens('1.5')).toBe(1_500_000n)
    expect(parseTokens('0.000001')).toBe(1n)
    expect(parseTokens('007.25')).toBe(7_250_000n)
    expect(parseTokens('1.000000000')).toBe(1_000_000n)
    expect(parseTokens('9223372036854.775807')).toBe(MAX_AMOUNT)
    expect(parseMicro('9223372036854775807')).toBe(MAX_AMOUNT)
    expect(parseMicro('0')).toBe(0n)
  })

  it('refuses with a code for each way an amount can be wrong', () => {
    expect(() => parseTokens('-1')).toThrow(code('AMOUNT_NEGATIVE'))
    expect(() => parseMicro('-0')).toThrow(code('AMOUNT_NEGATIVE'))
    expect(() => parseTokens('0.0000001')).toThrow(code('AMOUNT_FRACTIONAL'))
    expect(() => parseTokens('1.0000005')).toThrow(code('AMOUNT_FRACTIONAL'))
    expect(() => parseMicro('1.5')).toThrow(code('AMOUNT_FRACTIONAL'))
    expect(() => parseTokens('9223372036854.775808')).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => parseMicro('9223372036854775808')).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => parseMicro('1'.repeat(100))).toThrow(code('AMOUNT_OVERFLOW'))
    for (const bad of ['', '.5', '1.', '1e6', '+1', ' 1', '1_000', '0x10', 'NaN', 'Infinity', '1.2.3', '١']) {
      expect(() => parseTokens(bad), bad).toThrow(code('AMOUNT_MALFORMED'))
    }
  })

  it('formats the shortest exact decimal and parses it back', () => {
    expect(formatTokens(1_500_000n)).toBe('1.5')
    expect(formatTokens(1n)).toBe('0.000001')
    expect(formatTokens(0n)).toBe('0')
    expect(formatTokens(MAX_AMOUNT)).toBe('9223372036854.775807')
    fc.assert(fc.property(amount, (a) => { expect(parseTokens(formatTokens(a))).toBe(a) }), { numRuns: 500 })
  })

  it('checks range and sums without leaving it', () => {
    expect(checkAmount(5n)).toBe(5n)
    expect(() => checkAmount(-1n)).toThrow(code('AMOUNT_NEGATIVE'))
    expect(() => checkAmount(MAX_AMOUNT + 1n)).toThrow(code('AMOUNT_OVERFLOW'))
    expect(() => checkAmount(1.5 as unknown as bigint)).toThrow(code('AMOUNT_MALFORMED'))
    expect(() => checkAmount(1 as unknown as bigint)).toThrow(code('AMOUNT_MALFORMED'))
    expect(addAmounts(1n, 2n, 3n)).toBe(6n)
    expect(() => addAmounts(MAX_AMOUNT, 1n)).toThrow(code('AMOUNT_OVERFLOW'))
    expect(subAmount(5n, 5n)).toBe(0n)
    expect(() => subAmount(4n, 5n)).toThrow(code('AMOUNT_NEGATIVE'))
  })

  it('reads coins the way the Akash CLI and people write them', () => {
    expect(parseCoin('500000000uakt')).toEqual({ denom: 'uakt', amount: 500_000_000n })
    expect(parseCoin('1.5 AKT')).toEqual({ denom: 'uakt', amount: 1_500_000n })
    expect(parseCoin('0.25act')).toEqual({ denom: 'uact', amount: 250_000n })
    expect(formatCoin({ denom: 'uact', amount: 250_000n })).toBe('0.25 ACT')
    expect(() => parseCoin('1.5uakt')).toThrow(code('AMOUNT_FRACTIONAL'))
    expect(() => parseCoin('-3 AKT')).toThrow(code('AMOUNT_NEGATIVE'))
    expect(() => parseCoin('3 ATOM')).toThrow(code('AMOUNT_MALFORMED'))
    expect(() => parseCoin('uakt')).toThrow(code('AMOUNT_MALFORMED'))
  })
})
