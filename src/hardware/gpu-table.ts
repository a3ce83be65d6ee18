import type { GpuInterface } from './types.js'

/** The shape of Akash provider-configs gpus.json: PCI vendor id → {name, devices: PCI device id → entry}. */
export interface GpuTableDevice {
  name: string
  /** 'PCIe', 'SXM', 'SXM4', 'SXM5' as in the source file */
  interface: string
  /** e.g. '80Gi' */
  memory_size: string
}

export interface GpuTableVendor {
  name: string
  devices: Record<string, GpuTableDevice>
}

export type GpuTable = Record<string, GpuTableVendor>

export interface GpuTableHit {
  vendor: string
  model: string
  ram?: string
  interface?: GpuInterface
}

/** Akash provider's FilterGPUInterface: lower case, any sxm* is sxm. Unknown values give undefined. */
export function normalizeGpuInterface (raw: string): GpuInterface | undefined {
  const v = raw.trim().toLowerCase()
  if (v.startsWith('sxm')) return 'sxm'
  if (v === 'pcie' || v === 'pci-e' || v === 'pci') return 'pcie'
  return undefined
}

export function lookupGpu (table: GpuTable, vendorId: string, deviceId: string): GpuTableHit | undefined {
  const vendor = table[vendorId.toLowerCase()]
  if (vendor === undefined) return undefined
  const dev = vendor.devices[deviceId.toLowerCase()]
  if (dev === undefined) return undefined
  const iface = normalizeGpuInterface(dev.interface)
  return {
    vendor: vendor.name,
    model: dev.name,
    ...(dev.memory_size !== '' ? { ram: dev.memory_size } : {}),
    ...(iface !== undefined ? { interface: iface } : {})
  }
}

export function vendorName (table: GpuTable, vendorId: string): string | undefined {
  return table[vendorId.toLowerCase()]?.name
}
