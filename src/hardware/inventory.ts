import type { ResourceUnit } from '../sdl/types.js'
import type { Resources } from './allocate.js'
import { allocate, cloneResources } from './allocate.js'
import { HardwareError } from './errors.js'
import type { ReservedResources, StorageOptions } from './options.js'
import { defaultStorageOptions } from './options.js'
import { gpuPools, storagePools } from './pools.js'
import type { HardwareWarning, ProbeResult } from './types.js'

/** Resources an open bid commit or an active lease holds: the order's resource units (x count). */
export interface Hold {
  id: string
  resources: ResourceUnit[]
}

/**
 * available = probed − reserved − holds. `total` is the probe's view (usable GPUs only, storage =
 * free bytes), `available` what can still be bid. Holds that no longer fit (hardware went away,
 * overcommit) are reported as warnings and leave the affected resources at zero.
 */
export interface Inventory {
  total: Resources
  reserved: ReservedResources
  available: Resources
  /** ids of the holds applied, in order */
  holds: string[]
  warnings: HardwareWarning[]
}

function checkReserved (r: ReservedResources): void {
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new HardwareError('BAD_RESERVED_RESOURCES', `reserved ${k} must be a non-negative number, got ${String(v)}`, { details: { field: k } })
    }
  }
}

export function computeInventory (probe: ProbeResult, reserved: ReservedResources, holds: readonly Hold[], storage: StorageOptions = defaultStorageOptions): Inventory {
  checkReserved(reserved)
  const total: Resources = {
    cpuMillicores: probe.cpu.millicores,
    memoryBytes: probe.memory.totalBytes,
    storage: storagePools(probe.storage, storage),
    gpus: gpuPools(probe.gpus)
  }
  const available = cloneResources(total)
  available.cpuMillicores = Math.max(0, available.cpuMillicores - reserved.cpuMillicores)
  available.memoryBytes = Math.max(0, available.memoryBytes - reserved.memoryBytes)
  // The host's own headroom lives on the system disk, which is the ephemeral pool.
  let toReserve = reserved.storageBytes
  for (const p of available.storage.filter((s) => s.ephemeral)) {
    const take = Math.min(p.bytes, toReserve)
    p.bytes -= take
    toReserve -= take
  }

  const warnings: HardwareWarning[] = []
  const ids: string[] = []
  for (const h of holds) {
    if (typeof h.id !== 'string' || !Array.isArray(h.resources)) {
      throw new HardwareError('BAD_HOLD', 'a hold needs a string id and a resources array', { details: { id: String(h.id) } })
    }
    const reasons = allocate(available, h.resources, total)
    ids.push(h.id)
    if (reasons.length > 0) {
      warnings.push({
        code: 'HOLD_EXCEEDS_CAPACITY',
        message: `hold ${h.id} does not fit in what is left (${reasons.map((r) => r.message).join('; ')}); capacity is overcommitted`,
        count: 1,
        details: { hold: h.id, reasons: reasons.map((r) => r.code) }
      })
    }
  }
  return { total, reserved: { ...reserved }, available, holds: ids, warnings }
}
