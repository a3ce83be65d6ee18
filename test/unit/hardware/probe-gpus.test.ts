import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { probeHardware, providerAttributes } from '../../../src/hardware/index.js'
import type { ProbeResult } from '../../../src/hardware/index.js'
import type { ToolDir } from './fake-tools.js'
import { catScript, fakeNvidiaSmi, fixture, makeToolDir, readFixture, shellScript } from './fake-tools.js'

let tools: ToolDir
beforeEach(async () => { tools = await makeToolDir() })
afterEach(async () => { await tools.cleanup() })

const probe = async (extra: Parameters<typeof probeHardware>[0] = {}): Promise<ProbeResult> =>
  await probeHardware({ pathEnv: tools.dir, toolTimeoutMs: 5_000, ...extra })
const codes = (p: ProbeResult): string[] => p.warnings.map((w) => w.code)
const records = async (name: string): Promise<Array<Record<string, string>>> => JSON.parse(await readFixture(name)) as Array<Record<string, string>>

describe('NVIDIA through a fake nvidia-smi on PATH', () => {
  it('names 8x H100 SXM5 80GB as nvidia/h100/80Gi/sxm from the PCI table', async () => {
    await tools.add('nvidia-smi', fakeNvidiaSmi(await records('nvidia-h100-sxm8.json')))
    const p = await probe()
    expect(p.gpus).toHaveLength(8)
    for (const g of p.gpus) {
      expect([g.vendor, g.model, g.ram, g.interface, g.namedBy, g.usable]).toEqual(['nvidia', 'h100', '80Gi', 'sxm', 'pci-table', true])
      expect(g.pciId).toBe('10de:2330')
      expect(g.source).toBe('nvidia-smi')
    }
    expect(p.gpus.map((g) => g.bus)).toEqual(['0000:18:00.0', '0000:2a:00.0', '0000:3a:00.0', '0000:5d:00.0', '0000:9a:00.0', '0000:ab:00.0', '0000:ba:00.0', '0000:db:00.0'])
    expect(p.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(p.gpus[4]?.utilizationPercent).toBe(97)
    expect(p.gpus[4]?.memoryUsedBytes).toBe(76543 * 1024 * 1024)
    expect(p.gpus[0]?.memoryTotalBytes).toBe(81559 * 1024 * 1024)
    expect(p.gpus[0]?.driverVersion).toBe('550.54.15')
    expect(codes(p).filter((c) => c.startsWith('NVIDIA') || c.startsWith('GPU'))).toEqual([])
    expect(p.tools.find((t) => t.tool === 'nvidia-smi')?.state).toBe('ok')
    const keys = providerAttributes(p).map((a) => a.key)
    expect(keys).toContain('capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm')
  })

  it('names the shared recorded sample (device id 0x16C1, not in the table) from its marketing name', async () => {
    // The shared nvidia-smi.csv reports 0x16C110DE for 'NVIDIA H100 80GB HBM3'; replay it field by field.
    const csv = await readFixture('nvidia-smi.csv')
    const fields = ['driver_version', 'pci.device_id', 'name', 'pci.bus_id', 'serial', 'memory.total', 'memory.used', 'memory.free', 'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'temperature.memory', 'power.draw', 'power.limit', 'clocks.sm', 'clocks.max.sm']
    const recs = csv.trim().split('\n').map((line, i) => {
      const cells = line.split(',').map((c) => c.trim())
      const r: Record<string, string> = { index: String(i) }
      fields.forEach((f, j) => { r[f] = cells[j] ?? '' })
      return r
    })
    await tools.add('nvidia-smi', fakeNvidiaSmi(recs))
    const p = await probe()
    expect(p.gpus).toHaveLength(8)
    for (const g of p.gpus) expect([g.vendor, g.model, g.ram, g.interface, g.namedBy]).toEqual(['nvidia', 'h100', '80Gi', 'sxm', 'marketing-name'])
    const unknown = p.warnings.find((w) => w.code === 'GPU_UNKNOWN_PCI_ID')
    expect(unknown?.count).toBe(8)
    expect(unknown?.details.pciId).toBe('10de:16c1')
    expect(codes(p)).toContain('GPU_INTERFACE_GUESSED')
  })

  it('names a mixed A100 PCIe 80GB + RTX 4090 host', async () => {
    await tools.add('nvidia-smi', fakeNvidiaSmi(await records('nvidia-mixed-a100-4090.json')))
    const p = await probe()
    expect(p.gpus.map((g) => [g.model, g.ram, g.interface])).toEqual([['a100', '80Gi', 'pcie'], ['a100', '80Gi', 'pcie'], ['rtx4090', '24Gi', 'pcie']])
    expect(p.gpus[2]?.powerDrawW).toBeUndefined()
    expect(p.gpus[0]?.powerDrawW).toBeUndefined()
    expect(p.gpus[1]?.powerDrawW).toBe(88.1)
    expect(codes(p)).toEqual([])
  })

  it('reports unknown PCI ids with the id: named from the marketing name when possible, else not offered', async () => {
    await tools.add('nvidia-smi', fakeNvidiaSmi(await records('nvidia-unknown-ids.json')))
    const p = await probe()
    const [odd, l40s] = p.gpus
    expect(odd?.usable).toBe(false)
    expect(odd?.namedBy).toBe('none')
    expect(odd?.model).toBeUndefined()
    expect(l40s?.model).toBe('l40s')
    expect(l40s?.ram).toBe('45Gi')
    expect(l40s?.namedBy).toBe('marketing-name')
    expect(l40s?.usable).toBe(true)
    const unknownIds = p.warnings.filter((w) => w.code === 'GPU_UNKNOWN_PCI_ID').map((w) => w.details.pciId)
    expect(unknownIds.sort()).toEqual(['10de:26b9', '10de:ffff'])
    expect(codes(p)).toContain('GPU_UNNAMED')
    expect(codes(p)).toContain('GPU_INTERFACE_UNKNOWN')
  })

  it('says nvidia-smi failed with a driver/library mismatch (exit 18, message on stdout)', async () => {
    await tools.add('nvidia-smi', shellScript('echo "Failed to initialize NVML: Driver/library version mismatch"\necho "NVML library version: 550.54"\nexit 18'))
    const p = await probe()
    expect(p.gpus).toEqual([])
    expect(codes(p)).toContain('NVIDIA_DRIVER_MISMATCH')
    expect(p.tools.find((t) => t.tool === 'nvidia-smi')?.state).toBe('failed')
  })

  it('kills a hanging nvidia-smi at the timeout and says so', async () => {
    await tools.add('nvidia-smi', shellScript('/bin/sleep 60'))
    const started = Date.now()
    const p = await probe({ toolTimeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(codes(p)).toContain('NVIDIA_SMI_TIMEOUT')
    expect(p.tools.find((t) => t.tool === 'nvidia-smi')?.state).toBe('timeout')
  })

  it('says nvidia-smi was not found when PATH has none', async () => {
    const p = await probe()
    expect(codes(p)).toContain('NVIDIA_SMI_NOT_FOUND')
    expect(p.tools.find((t) => t.tool === 'nvidia-smi')?.state).toBe('missing')
  })

  it('uses an explicit nvidia-smi path instead of PATH', async () => {
    const path = await tools.add('my-nvidia-smi', fakeNvidiaSmi(await records('nvidia-mixed-a100-4090.json')))
    const p = await probeHardware({ pathEnv: '', nvidiaSmiPath: path })
    expect(p.gpus).toHaveLength(3)
  })

  it('retries with the minimal field list when the driver rejects a field', async () => {
    const recs = (await records('nvidia-h100-sxm8.json')).map((r) => ({ index: r.index ?? '', uuid: r.uuid ?? '', name: r.name ?? '', 'pci.bus_id': r['pci.bus_id'] ?? '', 'pci.device_id': r['pci.device_id'] ?? '', 'memory.total': r['memory.total'] ?? '' }))
    await tools.add('nvidia-smi', fakeNvidiaSmi(recs, { strict: true }))
    const p = await probe()
    expect(p.gpus).toHaveLength(8)
    expect(p.gpus[0]?.model).toBe('h100')
  })

  it('names other failures: no devices, NVML missing, driver not loaded', async () => {
    const cases: Array<[string, string]> = [
      ['echo "No devices were found"\nexit 6', 'NVIDIA_NO_DEVICES'],
      ['echo "NVIDIA-SMI couldn\'t find libnvidia-ml.so library in your system."\nexit 12', 'NVIDIA_NVML_NOT_FOUND'],
      ['echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9', 'NVIDIA_DRIVER_NOT_LOADED'],
      ['echo "something odd" 1>&2\nexit 255', 'NVIDIA_SMI_FAILED']
    ]
    for (const [body, code] of cases) {
      await tools.add('nvidia-smi', shellScript(body))
      expect(codes(await probe({ skipGpus: false }))).toContain(code)
    }
  })
})

describe('AMD', () => {
  it('names AMD MI100 through rocm-smi', async () => {
    await tools.add('rocm-smi', catScript(fixture('rocm-smi-mi100.json')))
    const p = await probe()
    expect(p.gpus).toHaveLength(2)
    for (const g of p.gpus) expect([g.vendor, g.model, g.ram, g.interface, g.pciId, g.source]).toEqual(['amd', 'mi100', '32Gi', 'pcie', '1002:738c', 'rocm-smi'])
    expect(p.gpus.map((g) => g.bus)).toEqual(['0000:03:00.0', '0000:43:00.0'])
  })

  it('names AMD MI100 through amd-smi when rocm-smi is absent', async () => {
    await tools.add('amd-smi', catScript(fixture('amd-smi-mi100.json')))
    const p = await probe()
    expect(p.gpus.map((g) => [g.model, g.ram, g.source])).toEqual([['mi100', '32Gi', 'amd-smi']])
  })

  it('names AMD MI100 from lspci -nn (1002:738c) when no AMD tool is installed, and skips other display devices', async () => {
    await tools.add('lspci', catScript(fixture('lspci-nn-mi100.txt')))
    const p = await probe()
    expect(p.gpus.map((g) => [g.vendor, g.model, g.ram, g.interface, g.bus, g.source, g.usable])).toEqual([
      ['amd', 'mi100', '32Gi', 'pcie', '0000:03:00.0', 'lspci', true],
      ['amd', 'mi100', '32Gi', 'pcie', '0000:43:00.0', 'lspci', true]
    ])
  })

  it('does not list a GPU twice when rocm-smi and lspci both see it', async () => {
    await tools.add('rocm-smi', catScript(fixture('rocm-smi-mi100.json')))
    await tools.add('lspci', catScript(fixture('lspci-nn-mi100.txt')))
    const p = await probe()
    expect(p.gpus).toHaveLength(2)
  })

  it('falls back to lspci when rocm-smi fails', async () => {
    await tools.add('rocm-smi', shellScript('echo "ERROR: GPU[0] : Unable to open driver" 1>&2\nexit 1'))
    await tools.add('lspci', catScript(fixture('lspci-nn-mi100.txt')))
    const p = await probe()
    expect(codes(p)).toContain('AMD_TOOL_FAILED')
    expect(p.gpus.map((g) => g.model)).toEqual(['mi100', 'mi100'])
  })
})

describe('NVIDIA boards without a working nvidia-smi', () => {
  it('lists them as not usable with the reason', async () => {
    await tools.add('lspci', catScript(fixture('lspci-nn-nvidia2.txt')))
    const p = await probe()
    expect(p.gpus.map((g) => [g.model, g.usable])).toEqual([['h100', false], ['h100', false]])
    const w = p.warnings.find((x) => x.code === 'GPU_WITHOUT_DRIVER')
    expect(w?.count).toBe(2)
    expect(w?.details.buses).toEqual(['0000:18:00.0', '0000:2a:00.0'])
    expect(codes(p)).toContain('NVIDIA_SMI_NOT_FOUND')
  })
})
