import type { Attribute } from '../sdl/types.js'
import type { StorageOptions } from './options.js'
import { defaultStorageOptions } from './options.js'
import { gpuPools, storagePools } from './pools.js'
import type { ProbeResult } from './types.js'

/**
 * Provider attributes in Akash's conventions:
 * - operator attributes first (region, organization, tier…), as configured;
 * - `capabilities/cpu/arch/<arch>` = true (the key form the Akash provider parses), plus
 *   `capabilities/cpu/arch` = <arch> for tools that read it as a plain key;
 * - per GPU model, every key form an SDL may ask for, because Akash matches GPU keys exactly (a
 *   glob only in the request): `capabilities/gpu/vendor/nvidia/model/h100`, `…/ram/80Gi`,
 *   `…/interface/sxm`, `…/ram/80Gi/interface/sxm`, each = true;
 * - storage classes as numbered groups: `capabilities/storage/N/class` = betaX and
 *   `capabilities/storage/N/persistent` = true, then the `ram` class with persistent = false.
 * Operator attributes win on a duplicate key; duplicates are dropped.
 */
export function providerAttributes (probe: ProbeResult, operator: readonly Attribute[] = [], storage: StorageOptions = defaultStorageOptions): Attribute[] {
  const out: Attribute[] = []
  const seen = new Set<string>()
  const add = (key: string, value: string): void => {
    if (seen.has(key)) return
    seen.add(key)
    out.push({ key, value })
  }
  for (const a of operator) add(a.key, a.value)

  if (/^[a-z0-9]+$/.test(probe.cpu.architecture)) {
    add(`capabilities/cpu/arch/${probe.cpu.architecture}`, 'true')
    add('capabilities/cpu/arch', probe.cpu.architecture)
  }

  for (const pool of gpuPools(probe.gpus)) {
    const base = `capabilities/gpu/vendor/${pool.vendor}/model/${pool.model}`
    add(base, 'true')
    if (pool.ram !== undefined) add(`${base}/ram/${pool.ram}`, 'true')
    if (pool.interface !== undefined) add(`${base}/interface/${pool.interface}`, 'true')
    if (pool.ram !== undefined && pool.interface !== undefined) add(`${base}/ram/${pool.ram}/interface/${pool.interface}`, 'true')
  }

  const classes = [...new Set(storagePools(probe.storage, storage).filter((p) => p.persistent).map((p) => p.class))].sort()
  let n = 1
  for (const c of classes) {
    add(`capabilities/storage/${n}/class`, c)
    add(`capabilities/storage/${n}/persistent`, 'true')
    n++
  }
  if (storage.ramClass) {
    add(`capabilities/storage/${n}/class`, 'ram')
    add(`capabilities/storage/${n}/persistent`, 'false')
  }
  return out
}
