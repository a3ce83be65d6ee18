import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseDecimal, formatDecimal, normalizeDecimal, compareDecimal, formatGoDec, groupMaxPrice } from '../../../src/sdl/index.js'
import type { Group } from '../../../src/sdl/index.js'

describe('exact decimals', () => {
  it('normalises to the canonical form', () => {
    expect(normalizeDecimal('1000.000000000000000000')).toBe('1000')
    expect(normalizeDecimal('0.50')).toBe('0.5')
    expect(normalizeDecimal('007')).toBe('7')
    expect(normalizeDecimal('.25')).toBe('0.25')
    expect(normalizeDecimal('0.000000000000000001')).toBe('0.000000000000000001')
  })

  it('rejects what sdk.NewDecFromStr rejects', () => {
    for (const bad of ['', '.', '1.', '1e3', '-1', '1_000', '0x10', '1.0000000000000000001', ' 1']) {
      expect(parseDecimal(bad), bad).toBeUndefined()
    }
  })

  it('compares numerically across forms', () => {
    expect(compareDecimal('100000', '100000.000000000000000000')).toBe(0)
    expect(compareDecimal('0.1', '0.09')).toBe(1)
    expect(formatGoDec('150')).toBe('150.000000000000000000')
  })

  it('round-trips any scaled value (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), v => {
      expect(parseDecimal(formatDecimal(v))).toBe(v)
    }))
  })

  it('computes a group max price as sum of price x count, exactly', () => {
    const unit = (amount: string, count: number): Group['resources'][number] => ({
      id: 1, count, price: { denom: 'uact', amount }, cpu: 100, memory: 1, storage: [], gpu: { units: 0, attributes: [] }, endpoints: []
    })
    const g: Group = { name: 'g', requirements: { attributes: [], signedBy: { allOf: [], anyOf: [] } }, resources: [unit('0.1', 3), unit('1000', 2)] }
    expect(groupMaxPrice(g)).toEqual({ denom: 'uact', amount: '2000.3' })
    expect(() => groupMaxPrice({ ...g, resources: [unit('1', 1), { ...unit('1', 1), price: { denom: 'uakt', amount: '1' } }] })).toThrow(RangeError)
  })
})
