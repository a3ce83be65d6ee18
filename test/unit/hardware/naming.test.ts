import { describe, expect, it } from 'vitest'
import { AKASH_GPU_TABLE, interfaceFromMarketingName, lookupGpu, modelFromMarketingName, nameGpu, normalizeGpuInterface, ramFromBytes } from '../../../src/hardware/index.js'
import { readFixture } from './fake-tools.js'

describe('Akash GPU naming', () => {
  it('the generated table equals provider-configs gpus.json', async () => {
    expect(AKASH_GPU_TABLE).toEqual(JSON.parse(await readFixture('gpus.json')))
  })

  it.each([
    ['10de', '2330', { vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm' }],
    ['10de', '2331', { vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'pcie' }],
    ['10de', '20B5', { vendor: 'nvidia', model: 'a100', ram: '80Gi', interface: 'pcie' }],
    ['10de', '20b2', { vendor: 'nvidia', model: 'a100', ram: '80Gi', interface: 'sxm' }],
    ['10DE', '2684', { vendor: 'nvidia', model: 'rtx4090', ram: '24Gi', interface: 'pcie' }],
    ['1002', '738c', { vendor: 'amd', model: 'mi100', ram: '32Gi', interface: 'pcie' }]
  ])('table %s:%s', (v, d, want) => {
    expect(lookupGpu(AKASH_GPU_TABLE, v, d)).toEqual(want)
  })

  it('has no entry for unknown ids', () => {
    expect(lookupGpu(AKASH_GPU_TABLE, '10de', 'ffff')).toBeUndefined()
    expect(lookupGpu(AKASH_GPU_TABLE, '8086', '56c0')).toBeUndefined()
  })

  it('lower-cases interfaces and folds sxm* into sxm like the Akash provider', () => {
    expect(['PCIe', 'SXM', 'SXM4', 'SXM5', 'weird'].map(normalizeGpuInterface)).toEqual(['pcie', 'sxm', 'sxm', 'sxm', undefined])
  })

  it.each([
    ['NVIDIA H100 80GB HBM3', 'h100'],
    ['NVIDIA H100 PCIe', 'h100'],
    ['NVIDIA A100-SXM4-80GB', 'a100'],
    ['NVIDIA A100 80GB PCIe', 'a100'],
    ['NVIDIA GeForce RTX 4090', 'rtx4090'],
    ['NVIDIA GeForce RTX 3060 Ti', 'rtx3060ti'],
    ['NVIDIA GeForce RTX 4070 SUPER', 'rtx4070s'],
    ['NVIDIA RTX A6000', 'rtxa6000'],
    ['NVIDIA RTX 4000 Ada Generation', 'rtx4000ada'],
    ['NVIDIA H200 NVL', 'h200nvl'],
    ['Tesla V100-SXM2-16GB', 'v100'],
    ['NVIDIA L40S', 'l40s'],
    ['AMD Instinct MI100', 'mi100'],
    ['Arcturus GL-XL [Instinct MI100]', 'mi100'],
    ['Aldebaran/MI200 [Instinct MI250X/MI250]', 'mi250x']
  ])('model from marketing name %s', (name, model) => {
    expect(modelFromMarketingName(name)).toBe(model)
  })

  it('gives no model for names without one', () => {
    expect(modelFromMarketingName('NVIDIA Graphics Device')).toBeUndefined()
    expect(modelFromMarketingName('')).toBeUndefined()
  })

  it('guesses interfaces only where the name supports it', () => {
    expect(interfaceFromMarketingName('NVIDIA H100 80GB HBM3', 'h100')?.iface).toBe('sxm')
    expect(interfaceFromMarketingName('NVIDIA A100-SXM4-40GB', 'a100')?.iface).toBe('sxm')
    expect(interfaceFromMarketingName('NVIDIA H100 PCIe', 'h100')?.iface).toBe('pcie')
    expect(interfaceFromMarketingName('NVIDIA H100 NVL', 'h100nvl')?.iface).toBe('pcie')
    expect(interfaceFromMarketingName('NVIDIA GeForce RTX 5090', 'rtx5090')?.iface).toBe('pcie')
    expect(interfaceFromMarketingName('NVIDIA L40S', 'l40s')).toBeUndefined()
  })

  it('rounds memory to the nearest Gi', () => {
    const mib = 1024 * 1024
    expect(ramFromBytes(81559 * mib)).toBe('80Gi')
    expect(ramFromBytes(24564 * mib)).toBe('24Gi')
    expect(ramFromBytes(40960 * mib)).toBe('40Gi')
    expect(ramFromBytes(0)).toBeUndefined()
  })

  it('prefers the table and flags a memory disagreement', () => {
    const n = nameGpu(AKASH_GPU_TABLE, { vendorId: '10de', deviceId: '2330', marketingName: 'x', memoryTotalBytes: 40 * 1024 ** 3 })
    expect([n.model, n.ram, n.namedBy]).toEqual(['h100', '80Gi', 'pci-table'])
    expect(n.problems).toEqual(['GPU_RAM_MISMATCH'])
  })
})
