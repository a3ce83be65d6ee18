import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { PricingError, defaultPricing, parsePricing, priceGroup, decimalToWire, wireToDecimal, MS_PER_MONTH } from '../../../src/market/index.js'
import { GiB, gpu, gpuReq, group, persistent, unit } from '../hardware/helpers.js'
import { gpuPools } from '../../../src/hardware/index.js'

function pricingError (fn: () => unknown): PricingError {
  try { fn() } catch (err) { expect(err).toBeInstanceOf(PricingError); return err as PricingError }
  throw new Error('expected PricingError')
}

describe('pricing config', () => {
  it('config/pricing.example.yaml documents exactly the built-in defaults', async () => {
    const text = await readFile(new URL('../../../config/pricing.example.yaml', import.meta.url), 'utf8')
    expect(parsePricing(text)).toEqual(defaultPricing)
  })

  it('overrides keys, merges maps, and names every bad key', () => {
    const p = parsePricing('cpu: 2\ngpu:\n  h100: 1800.5\n')
    expect(p.cpu).toBe('2')
    expect(p.gpu.h100).toBe('1800.5')
    expect(parsePricing('cpu: "1.60"\n').cpu).toBe('1.6')
    expect(p.gpu.a100).toBe(defaultPricing.gpu.a100)
    expect(pricingError(() => parsePricing('cpus: 1\n')).details.key).toBe('cpus')
    expect(pricingError(() => parsePricing('cpu: -1\n')).details.key).toBe('cpu')
    expect(pricingError(() => parsePricing('gpu:\n  h100: lots\n')).details.key).toBe('gpu.h100')
    expect(pricingError(() => parsePricing('gpu:\n  H100: 1\n')).details.key).toBe('gpu.H100')
    expect(pricingError(() => parsePricing('unit: eur-per-day\n')).details.key).toBe('unit')
    expect(pricingError(() => parsePricing('cpu: [1\n')).code).toBe('PRICING_SYNTAX')
    expect(pricingError(() => parsePricing('- 1\n')).code).toBe('PRICING_BAD_VALUE')
  })
})

describe('priceGroup', () => {
  const simple = group([unit({ cpu: 1000, memory: GiB, storage: [{ name: 'default', size: GiB, attributes: [] }] })])

  it('USD per month to wire units per block, exact and rounded up once', () => {
    // 1.60 + 0.80 + 0.02 = 2.42 USD/month; x 10^12 wire units/USD x 6000 ms / 2,629,746,000 ms = 5,521,445.797...
    expect(priceGroup(simple, defaultPricing, [], 6000)).toEqual({ denom: 'uact', amount: 5_521_446n })
    // a month of blocks gives back the monthly price (within one rounding step per block)
    const perBlock = priceGroup(simple, defaultPricing, [], 6000).amount
    const blocksPerMonth = MS_PER_MONTH / 6000n
    expect(Number(perBlock * blocksPerMonth) / 1e12).toBeCloseTo(2.42, 5)
  })

  it('scales with count, storage class and endpoints', () => {
    const one = priceGroup(group([unit({ count: 1 })]), defaultPricing, [], 6000).amount
    const three = priceGroup(group([unit({ count: 3 })]), defaultPricing, [], 6000).amount
    expect(three >= 3n * one - 3n && three <= 3n * one).toBe(true)
    const withNvme = priceGroup(group([unit({ storage: [{ name: 'default', size: GiB, attributes: [] }, persistent('data', 100 * GiB, 'beta3')] })]), defaultPricing, [], 6000).amount
    expect(withNvme).toBeGreaterThan(one)
    const ip = parsePricing('unit: uact-per-block\ncpu: 0\nmemory: 0\nstorage: {default: 0}\nendpoint: 1\nleasedIp: 100\n')
    const u = unit({ endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }, { kind: 'LEASED_IP', sequence: 1 }] })
    // 1 + 100 uact per block, in wire units (10^6 per uact)
    expect(priceGroup(group([u]), ip, [], 6000).amount).toBe(101_000_000n)
  })

  it('a GPU unit is priced at the dearest model this provider could give it', () => {
    const pricing = parsePricing('unit: uact-per-block\ncpu: 0\nmemory: 0\nstorage: {default: 0}\ngpu: {default: 1, a100: 10, h100: 20}\n')
    const any = group([unit({ gpu: gpuReq(2, 'vendor/nvidia/model/a100', 'vendor/nvidia/model/h100') })])
    expect(priceGroup(any, pricing, gpuPools([gpu(0, 'a100', '80Gi', 'pcie')]), 6000).amount).toBe(20_000_000n)
    expect(priceGroup(any, pricing, gpuPools([gpu(0, 'a100', '80Gi', 'pcie'), gpu(1, 'h100', '80Gi', 'sxm')]), 6000).amount).toBe(40_000_000n)
    // a model without a price of its own takes the default
    expect(priceGroup(group([unit({ gpu: gpuReq(1, 'vendor/nvidia/model/*') })]), pricing, gpuPools([gpu(0, 't4', '16Gi', 'pcie')]), 6000).amount).toBe(1_000_000n)
  })
})

describe('SDL price conversion', () => {
  it('decimal uact to wire units and back; finer digits are dropped', () => {
    expect(decimalToWire('1000')).toBe(1_000_000_000n)
    expect(decimalToWire('0.5')).toBe(500_000n)
    expect(decimalToWire('1000.000000000000000000')).toBe(1_000_000_000n)
    expect(decimalToWire('0.0000001')).toBe(0n)
    expect(wireToDecimal(1_500_000n)).toBe('1.5')
    expect(() => decimalToWire('abc')).toThrow(RangeError)
  })
})
