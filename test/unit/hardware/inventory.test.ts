import { describe, expect, it } from 'vitest'
import { computeInventory, defaultReservedResources, HardwareError } from '../../../src/hardware/index.js'
import { GiB, gpu, gpuReq, h100x8, persistent, probeOf, unit } from './helpers.js'

describe('computeInventory: probed − reserved − holds', () => {
  it('totals come from the probe', () => {
    const inv = computeInventory(probeOf({ gpus: h100x8() }), defaultReservedResources, [])
    expect(inv.total.cpuMillicores).toBe(64_000)
    expect(inv.total.memoryBytes).toBe(512 * GiB)
    expect(inv.total.gpus).toEqual([{ vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm', count: 8 }])
    expect(inv.total.storage.map((s) => [s.mount, s.class, s.ephemeral, s.persistent, s.bytes / GiB])).toEqual([['/', 'beta2', true, true, 500], ['/data', 'beta3', false, true, 2000]])
    expect(inv.available).toEqual(inv.total)
  })

  it('subtracts reserved amounts (storage from the ephemeral pool)', () => {
    const inv = computeInventory(probeOf(), { cpuMillicores: 2000, memoryBytes: 16 * GiB, storageBytes: 100 * GiB }, [])
    expect(inv.available.cpuMillicores).toBe(62_000)
    expect(inv.available.memoryBytes).toBe(496 * GiB)
    expect(inv.available.storage.map((s) => s.bytes / GiB)).toEqual([400, 2000])
    expect(inv.total.cpuMillicores).toBe(64_000)
  })

  it('subtracts holds: count x unit, storage per class, GPUs per model', () => {
    const holds = [
      { id: 'lease-1', resources: [unit({ count: 2, cpu: 4000, memory: 32 * GiB, storage: [{ name: 'default', size: 10 * GiB, attributes: [] }, persistent('data', 100 * GiB, 'beta3')], gpu: gpuReq(2, 'vendor/nvidia/model/h100') })] },
      { id: 'commit-7', resources: [unit({ cpu: 500, memory: GiB, storage: [], gpu: gpuReq(1, 'vendor/nvidia/model/*') })] }
    ]
    const inv = computeInventory(probeOf({ gpus: h100x8() }), defaultReservedResources, holds)
    expect(inv.holds).toEqual(['lease-1', 'commit-7'])
    expect(inv.available.cpuMillicores).toBe(64_000 - 8000 - 500)
    expect(inv.available.memoryBytes).toBe((512 - 64 - 1) * GiB)
    expect(inv.available.gpus[0]?.count).toBe(3)
    expect(inv.available.storage.map((s) => s.bytes / GiB)).toEqual([480, 1800])
    expect(inv.warnings).toEqual([])
  })

  it('counts ram-class volumes against memory', () => {
    const shm = { name: 'shm', size: 4 * GiB, attributes: [{ key: 'class', value: 'ram' }, { key: 'persistent', value: 'false' }] }
    const inv = computeInventory(probeOf(), defaultReservedResources, [{ id: 'a', resources: [unit({ memory: 0, storage: [shm] })] }])
    expect(inv.available.memoryBytes).toBe(508 * GiB)
  })

  it('warns when holds exceed what is left and clamps at zero', () => {
    const inv = computeInventory(probeOf({ gpus: [gpu(0, 'h100', '80Gi', 'sxm')] }), { cpuMillicores: 60_000, memoryBytes: 0, storageBytes: 0 }, [
      { id: 'big', resources: [unit({ cpu: 8000, gpu: gpuReq(2, 'vendor/nvidia/model/h100') })] }
    ])
    expect(inv.available.cpuMillicores).toBe(0)
    expect(inv.warnings.map((w) => w.code)).toEqual(['HOLD_EXCEEDS_CAPACITY'])
    expect(inv.warnings[0]?.details.reasons).toEqual(['GPU_SHORT', 'CPU_SHORT'])
  })

  it('rejects negative reservations with a typed error', () => {
    expect(() => computeInventory(probeOf(), { cpuMillicores: -1, memoryBytes: 0, storageBytes: 0 }, [])).toThrow(HardwareError)
    try {
      computeInventory(probeOf(), { cpuMillicores: 0, memoryBytes: Number.NaN, storageBytes: 0 }, [])
    } catch (e) {
      expect((e as HardwareError).code).toBe('BAD_RESERVED_RESOURCES')
    }
  })
})
