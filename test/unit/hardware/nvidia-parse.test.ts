import { describe, expect, it } from 'vitest'
import { classifyNvidiaFailure, normalizeBusId, numberOf, parseNvidiaCsv, splitPciDeviceId } from '../../../src/hardware/nvidia.js'
import { parseAmdSmiJson, parseRocmSmiJson } from '../../../src/hardware/amd.js'
import { parseLspci } from '../../../src/hardware/lspci.js'
import { readFixture } from './fake-tools.js'

const SAMPLE_FIELDS = ['driver_version', 'pci.device_id', 'name', 'pci.bus_id', 'serial', 'memory.total', 'memory.used', 'memory.free', 'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'temperature.memory', 'power.draw', 'power.limit', 'clocks.sm', 'clocks.max.sm']

describe('nvidia-smi csv', () => {
  it('parses the recorded 8x H100 sample', async () => {
    const { rows, badLines } = parseNvidiaCsv(await readFixture('nvidia-smi.csv'), SAMPLE_FIELDS)
    expect(badLines).toEqual([])
    expect(rows).toHaveLength(8)
    expect(rows[0]?.name).toBe('NVIDIA H100 80GB HBM3')
    expect(rows[0]?.serial).toBeUndefined()
    expect(rows[4]?.['memory.used']).toBe('76543')
  })

  it('skips a header, tolerates units, CRLF and N/A spellings, reports short lines', () => {
    const text = 'index, name, memory.total [MiB]\r\n0, NVIDIA A100 80GB PCIe, 81920 MiB\r\n1, [Not Supported], [N/A]\r\n2, broken\r\n\r\n'
    const { rows, badLines } = parseNvidiaCsv(text, ['index', 'name', 'memory.total'])
    expect(rows).toEqual([
      { index: '0', name: 'NVIDIA A100 80GB PCIe', 'memory.total': '81920 MiB' },
      { index: '1', name: undefined, 'memory.total': undefined }
    ])
    expect(badLines).toEqual(['2, broken'])
    expect(numberOf('81920 MiB')).toBe(81920)
    expect(numberOf('69.88 W')).toBe(69.88)
    expect(numberOf(undefined)).toBeUndefined()
    expect(numberOf('abc')).toBeUndefined()
  })

  it('splits packed PCI ids and normalises bus ids', () => {
    expect(splitPciDeviceId('0x233010DE')).toEqual({ vendorId: '10de', deviceId: '2330' })
    expect(splitPciDeviceId('0xFFFF10DE')).toEqual({ vendorId: '10de', deviceId: 'ffff' })
    expect(splitPciDeviceId('garbage')).toBeUndefined()
    expect(normalizeBusId('00000000:2A:00.0')).toBe('0000:2a:00.0')
    expect(normalizeBusId('2a:00.0')).toBe('0000:2a:00.0')
  })

  it('classifies failures by message first, exit code second', () => {
    const failed = (stdout: string, exitCode: number | null, stderr = ''): Parameters<typeof classifyNvidiaFailure>[0] => ({ kind: 'failed', path: '/x', exitCode, signal: null, stdout, stderr, durationMs: 1 })
    expect(classifyNvidiaFailure({ kind: 'missing', tool: 'nvidia-smi' }).code).toBe('NVIDIA_SMI_NOT_FOUND')
    expect(classifyNvidiaFailure({ kind: 'timeout', path: '/x', timeoutMs: 5, stdout: '', stderr: '' }).code).toBe('NVIDIA_SMI_TIMEOUT')
    expect(classifyNvidiaFailure(failed('Failed to initialize NVML: Driver/library version mismatch', 18)).code).toBe('NVIDIA_DRIVER_MISMATCH')
    expect(classifyNvidiaFailure(failed('', 18)).code).toBe('NVIDIA_DRIVER_MISMATCH')
    expect(classifyNvidiaFailure(failed('', 255, 'Failed to initialize NVML: Driver/library version mismatch')).code).toBe('NVIDIA_DRIVER_MISMATCH')
    expect(classifyNvidiaFailure(failed('NVML Shared Library Not Found', 12)).code).toBe('NVIDIA_NVML_NOT_FOUND')
    expect(classifyNvidiaFailure(failed('', 9)).code).toBe('NVIDIA_DRIVER_NOT_LOADED')
    expect(classifyNvidiaFailure(failed('No devices were found', 6)).code).toBe('NVIDIA_NO_DEVICES')
    expect(classifyNvidiaFailure(failed('Insufficient Permissions', 4)).code).toBe('NVIDIA_PERMISSION_DENIED')
    expect(classifyNvidiaFailure(failed('Unable to determine the device handle for GPU0000:18:00.0: GPU is lost', 15)).code).toBe('NVIDIA_GPU_LOST')
    expect(classifyNvidiaFailure(failed('Field "foo" is not a valid field to query.', 2)).code).toBe('NVIDIA_FIELDS_UNSUPPORTED')
    expect(classifyNvidiaFailure(failed('?', 1)).code).toBe('NVIDIA_SMI_FAILED')
  })
})

describe('AMD and lspci parsers', () => {
  it('parses rocm-smi json with old and new key spellings', async () => {
    const facts = parseRocmSmiJson(await readFixture('rocm-smi-mi100.json'))
    expect(facts?.map((f) => [f.index, f.deviceId, f.bus, f.memoryTotalBytes])).toEqual([[0, '738c', '0000:03:00.0', 34342961152], [1, '738c', '0000:43:00.0', 34342961152]])
    const old = parseRocmSmiJson(JSON.stringify({ card0: { 'GPU ID': '0x738c', 'PCI Bus': '0000:03:00.0', 'Card series': 'Instinct MI100' }, system: { 'Driver version': '6.2' } }))
    expect(old?.map((f) => [f.deviceId, f.marketingName])).toEqual([['738c', 'Instinct MI100']])
    expect(parseRocmSmiJson('not json')).toBeUndefined()
  })

  it('parses amd-smi json (array and gpu_data forms)', async () => {
    const text = await readFixture('amd-smi-mi100.json')
    expect(parseAmdSmiJson(text)?.[0]?.memoryTotalBytes).toBe(32752 * 1024 * 1024)
    expect(parseAmdSmiJson(JSON.stringify({ gpu_data: JSON.parse(text) as unknown }))?.[0]?.deviceId).toBe('738c')
  })

  it('keeps display controllers from lspci -nn -D and plain lspci', async () => {
    const nn = parseLspci(await readFixture('lspci-nn-mi100.txt'))
    expect(nn.map((d) => [d.bus, d.vendorId, d.deviceId])).toEqual([['0000:02:00.0', '1a03', '2000'], ['0000:03:00.0', '1002', '738c'], ['0000:43:00.0', '1002', '738c']])
    const plain = parseLspci(await readFixture('lspci-nvidia8.txt'))
    expect(plain).toHaveLength(9)
    expect(plain[1]).toEqual({ bus: '0000:18:00.0', description: 'NVIDIA Corporation GH100 [H100 SXM5 80GB HBM3]' })
  })
})
