import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { computeInventory, defaultReservedResources, matchGroup, providerAttributes } from '../../../src/hardware/index.js'
import type { Inventory, NoFitCode } from '../../../src/hardware/index.js'
import type { Attribute } from '../../../src/sdl/types.js'
import { GiB, gpu, gpuReq, group, h100x8, persistent, probeOf, rtx4090x8, unit } from './helpers.js'

const setup = (gpus = h100x8(), operator: Attribute[] = [{ key: 'region', value: 'us-west' }]): { inv: Inventory, attrs: Attribute[] } => {
  const p = probeOf({ gpus })
  return { inv: computeInventory(p, defaultReservedResources, []), attrs: providerAttributes(p, operator) }
}
const codesOf = (r: { reasons: Array<{ code: NoFitCode }> }): NoFitCode[] => r.reasons.map((x) => x.code)

describe('matchGroup', () => {
  it('fits a plain group and an 8x H100 SXM group', () => {
    const { inv, attrs } = setup()
    expect(matchGroup(group([unit()]), inv, attrs)).toEqual({ fits: true, reasons: [] })
    const r = matchGroup(group([unit({ gpu: gpuReq(8, 'vendor/nvidia/model/h100/ram/80Gi/interface/sxm') })]), inv, attrs)
    expect(r).toEqual({ fits: true, reasons: [] })
  })

  it('matches placement attributes with globs and equal values, reporting missing and mismatched ones', () => {
    const { inv, attrs } = setup()
    const ok = group([unit()], { requirements: { attributes: [{ key: 'reg*', value: 'us-west' }], signedBy: { allOf: [], anyOf: [] } } })
    expect(matchGroup(ok, inv, attrs).fits).toBe(true)
    const bad = group([unit()], { requirements: { attributes: [{ key: 'region', value: 'eu-central' }, { key: 'tier', value: 'premium' }], signedBy: { allOf: [], anyOf: [] } } })
    const r = matchGroup(bad, inv, attrs)
    expect(r.fits).toBe(false)
    expect(codesOf(r)).toEqual(['ATTRIBUTE_MISMATCH', 'ATTRIBUTE_MISSING'])
    expect(r.reasons[0]?.details.have).toEqual(['us-west'])
  })

  it('accepts any of the listed GPU models and the model wildcard', () => {
    const { inv, attrs } = setup()
    expect(matchGroup(group([unit({ gpu: gpuReq(4, 'vendor/nvidia/model/a100', 'vendor/nvidia/model/h100') })]), inv, attrs).fits).toBe(true)
    expect(matchGroup(group([unit({ gpu: gpuReq(4, 'vendor/nvidia/model/*') })]), inv, attrs).fits).toBe(true)
  })

  it('says which GPU models were asked and which exist', () => {
    const { inv, attrs } = setup(rtx4090x8())
    const r = matchGroup(group([unit({ gpu: gpuReq(1, 'vendor/nvidia/model/a100', 'vendor/nvidia/model/h100') })]), inv, attrs)
    expect(codesOf(r)).toEqual(['GPU_MODEL_UNAVAILABLE'])
    expect(r.reasons[0]?.message).toBe('asks for nvidia a100 or nvidia h100, this provider has 8x nvidia rtx4090 24Gi pcie')
    expect(r.reasons[0]?.details.asked).toEqual(['vendor/nvidia/model/a100', 'vendor/nvidia/model/h100'])
  })

  it('checks ram and interface, and the vendor', () => {
    const { inv, attrs } = setup()
    const cases: Array<[string, boolean]> = [
      ['vendor/nvidia/model/h100/ram/80Gi', true],
      ['vendor/nvidia/model/h100/ram/40Gi', false],
      ['vendor/nvidia/model/h100/interface/pcie', false],
      ['vendor/nvidia/model/h100/ram/80Gi/interface/sxm', true],
      ['vendor/amd/model/*', false]
    ]
    for (const [key, fits] of cases) expect(matchGroup(group([unit({ gpu: gpuReq(1, key) })]), inv, attrs).fits).toBe(fits)
  })

  it('rejects GPU attributes that are not in Akash form', () => {
    const { inv, attrs } = setup()
    const r = matchGroup(group([unit({ gpu: gpuReq(1, 'vendor/nvidia/model/h100/interface/nvlink') })]), inv, attrs)
    expect(codesOf(r)).toEqual(['GPU_ATTRIBUTES_INVALID'])
    expect(codesOf(matchGroup(group([unit({ gpu: { units: 1, attributes: [] } })]), inv, attrs))).toEqual(['GPU_ATTRIBUTES_INVALID'])
  })

  it('counts GPUs as count x units and keeps one model per service', () => {
    const { inv, attrs } = setup([...Array.from({ length: 4 }, (_, i) => gpu(i, 'h100', '80Gi', 'sxm')), ...Array.from({ length: 4 }, (_, i) => gpu(4 + i, 'a100', '80Gi', 'sxm'))])
    expect(matchGroup(group([unit({ count: 2, gpu: gpuReq(2, 'vendor/nvidia/model/h100') })]), inv, attrs).fits).toBe(true)
    const r = matchGroup(group([unit({ count: 3, gpu: gpuReq(2, 'vendor/nvidia/model/h100', 'vendor/nvidia/model/a100') })]), inv, attrs)
    expect(codesOf(r)).toEqual(['GPU_SHORT'])
    expect(r.reasons[0]?.details.needed).toBe(6)
    expect(r.reasons[0]?.details.available).toBe(4)
    // two services may use different models
    expect(matchGroup(group([unit({ id: 1, gpu: gpuReq(4, 'vendor/nvidia/model/h100') }), unit({ id: 2, gpu: gpuReq(4, 'vendor/nvidia/model/*') })]), inv, attrs).fits).toBe(true)
  })

  it('reports GPUs held by leases as short, not unavailable', () => {
    const p = probeOf({ gpus: h100x8() })
    const inv = computeInventory(p, defaultReservedResources, [{ id: 'l1', resources: [unit({ gpu: gpuReq(7, 'vendor/nvidia/model/h100') })] }])
    expect(codesOf(matchGroup(group([unit({ gpu: gpuReq(2, 'vendor/nvidia/model/h100') })]), inv, providerAttributes(p)))).toEqual(['GPU_SHORT'])
  })

  it('says how much cpu and memory are short, counting count x unit', () => {
    const { inv, attrs } = setup()
    const r = matchGroup(group([unit({ count: 4, cpu: 16_500, memory: 131 * GiB })]), inv, attrs)
    expect(codesOf(r)).toEqual(['CPU_SHORT', 'MEMORY_SHORT'])
    expect(r.reasons[0]?.details.shortMillicores).toBe(2000)
    expect(r.reasons[1]?.details.shortBytes).toBe(12 * GiB)
    expect(r.reasons[1]?.message).toBe('memory short by 12 GiB (needs 524 GiB, 512 GiB available)')
  })

  it('matches storage class per volume and capacity per class', () => {
    const { inv, attrs } = setup()
    expect(matchGroup(group([unit({ storage: [persistent('db', 1000 * GiB, 'beta3')] })]), inv, attrs).fits).toBe(true)
    const noClass = matchGroup(group([unit({ storage: [persistent('db', GiB, 'beta1')] })]), inv, attrs)
    expect(codesOf(noClass)).toEqual(['STORAGE_CLASS_UNAVAILABLE'])
    const big = matchGroup(group([unit({ count: 3, storage: [persistent('db', 1000 * GiB, 'beta3')] })]), inv, attrs)
    expect(codesOf(big)).toEqual(['STORAGE_SHORT'])
    expect(big.reasons[0]?.details.class).toBe('beta3')
    const eph = matchGroup(group([unit({ storage: [{ name: 'default', size: 600 * GiB, attributes: [] }] })]), inv, attrs)
    expect(codesOf(eph)).toEqual(['STORAGE_SHORT'])
    expect(eph.reasons[0]?.details.class).toBe('ephemeral')
    const invalid = matchGroup(group([unit({ storage: [{ name: 'x', size: GiB, attributes: [{ key: 'persistent', value: 'true' }] }] })]), inv, attrs)
    expect(codesOf(invalid)).toEqual(['STORAGE_ATTRIBUTES_INVALID'])
  })

  it('serves ram-class volumes from memory', () => {
    const { inv, attrs } = setup()
    const shm = { name: 'shm', size: 600 * GiB, attributes: [{ key: 'class', value: 'ram' }, { key: 'persistent', value: 'false' }] }
    expect(codesOf(matchGroup(group([unit({ storage: [shm] })]), inv, attrs))).toEqual(['MEMORY_SHORT'])
  })

  it('requires signedBy auditors to sign the group attributes', () => {
    const { inv, attrs } = setup()
    const g = group([unit()], { requirements: { attributes: [{ key: 'region', value: 'us-west' }], signedBy: { allOf: ['akash1auditor'], anyOf: [] } } })
    expect(codesOf(matchGroup(g, inv, attrs))).toEqual(['SIGNED_BY_UNSATISFIED'])
    expect(matchGroup(g, inv, attrs, { audited: [{ auditor: 'akash1auditor', attributes: [{ key: 'region', value: 'us-west' }] }] }).fits).toBe(true)
    const any = group([unit()], { requirements: { attributes: [], signedBy: { allOf: [], anyOf: ['a1', 'a2'] } } })
    expect(matchGroup(any, inv, attrs, { audited: [{ auditor: 'a2', attributes: [] }] }).fits).toBe(true)
  })

  it('refuses endpoint kinds the provider does not offer', () => {
    const { inv, attrs } = setup()
    const g = group([unit({ endpoints: [{ kind: 'LEASED_IP', sequence: 1 }, { kind: 'SHARED_HTTP', sequence: 0 }] })])
    expect(codesOf(matchGroup(g, inv, attrs))).toEqual(['ENDPOINT_UNSUPPORTED'])
    expect(matchGroup(g, inv, attrs, { endpoints: ['SHARED_HTTP', 'LEASED_IP'] }).fits).toBe(true)
  })

  it('gives every reason at once', () => {
    const { inv, attrs } = setup(rtx4090x8())
    const g = group([unit({ cpu: 100_000, memory: 1024 * GiB, gpu: gpuReq(1, 'vendor/nvidia/model/h100'), storage: [persistent('d', GiB, 'beta1')] })], { requirements: { attributes: [{ key: 'region', value: 'eu' }], signedBy: { allOf: [], anyOf: [] } } })
    expect(codesOf(matchGroup(g, inv, attrs)).sort()).toEqual(['ATTRIBUTE_MISMATCH', 'CPU_SHORT', 'GPU_MODEL_UNAVAILABLE', 'MEMORY_SHORT', 'STORAGE_CLASS_UNAVAILABLE'])
  })

  it('agrees with computeInventory: a group that fits can be held without overcommit, and is pure', () => {
    const p = probeOf({ gpus: h100x8() })
    const attrs = providerAttributes(p)
    const inv = computeInventory(p, defaultReservedResources, [])
    const before = JSON.stringify(inv)
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 900 }),
      (count, cpu, memGiB, gpus, diskGiB) => {
        const g = group([unit({ count, cpu, memory: memGiB * GiB, gpu: gpus > 0 ? gpuReq(gpus, 'vendor/nvidia/model/h100') : { units: 0, attributes: [] }, storage: [persistent('d', diskGiB * GiB, 'beta3')] })])
        const r = matchGroup(g, inv, attrs)
        const held = computeInventory(p, defaultReservedResources, [{ id: 'x', resources: g.resources }])
        expect(r.fits).toBe(held.warnings.length === 0)
        expect(r.fits).toBe(count * cpu <= 64_000 && count * memGiB <= 512 && count * gpus <= 8 && count * diskGiB <= 2000)
      }
    ), { numRuns: 200 })
    expect(JSON.stringify(inv)).toBe(before)
  })
})
