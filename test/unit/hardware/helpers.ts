import type { Group, ResourceUnit, StorageVolume } from '../../../src/sdl/types.js'
import type { GpuDevice, ProbeResult, StorageMount } from '../../../src/hardware/index.js'

export const GiB = 1024 ** 3

export function unit (over: Partial<ResourceUnit> = {}): ResourceUnit {
  return {
    id: 1,
    count: 1,
    price: { denom: 'uact', amount: '1000' },
    cpu: 1000,
    memory: 1 * GiB,
    storage: [{ name: 'default', size: 1 * GiB, attributes: [] }],
    gpu: { units: 0, attributes: [] },
    endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }],
    ...over
  }
}

export function group (resources: ResourceUnit[], over: Partial<Group> = {}): Group {
  return { name: 'dcloud', requirements: { attributes: [], signedBy: { allOf: [], anyOf: [] } }, resources, ...over }
}

export function gpuReq (units: number, ...keys: string[]): ResourceUnit['gpu'] {
  return { units, attributes: keys.map((key) => ({ key, value: 'true' })) }
}

export function persistent (name: string, size: number, cls: string): StorageVolume {
  return { name, size, attributes: [{ key: 'class', value: cls }, { key: 'persistent', value: 'true' }] }
}

export function gpu (i: number, model: string, ram: string, iface: 'pcie' | 'sxm', vendor = 'nvidia'): GpuDevice {
  return { index: i, vendor, vendorId: '10de', deviceId: '0000', pciId: '10de:0000', bus: `0000:${(16 + i).toString(16)}:00.0`, marketingName: model, model, ram, interface: iface, namedBy: 'pci-table', usable: true, source: 'nvidia-smi' }
}

export function mount (m: string, cls: 'beta1' | 'beta2' | 'beta3', freeGiB: number): StorageMount {
  const media = cls === 'beta3' ? 'nvme' : cls === 'beta2' ? 'ssd' : 'hdd'
  return { mount: m, device: `/dev/x${m.length}`, fsType: 'ext4', sizeBytes: 2 * freeGiB * GiB, usedBytes: freeGiB * GiB, availableBytes: freeGiB * GiB, media, class: cls, classGuessed: false }
}

export function probeOf (over: Partial<ProbeResult> = {}): ProbeResult {
  return {
    probedAt: 0,
    durationMs: 1,
    cpu: { vendor: 'AMD', model: 'EPYC', architecture: 'amd64', cores: 64, threads: 64, physicalCores: 32, millicores: 64_000 },
    memory: { totalBytes: 512 * GiB, availableBytes: 500 * GiB },
    storage: [mount('/', 'beta2', 500), mount('/data', 'beta3', 2000)],
    gpus: [],
    os: { platform: 'linux', distro: 'Debian', release: '12', kernel: '6', hostname: 'h' },
    tools: [],
    warnings: [],
    ...over
  }
}

export const h100x8 = (): GpuDevice[] => Array.from({ length: 8 }, (_, i) => gpu(i, 'h100', '80Gi', 'sxm'))
export const rtx4090x8 = (): GpuDevice[] => Array.from({ length: 8 }, (_, i) => gpu(i, 'rtx4090', '24Gi', 'pcie'))
