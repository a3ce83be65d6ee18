import type { StorageOptions } from './options.js'
import type { GpuDevice, GpuInterface, StorageClass, StorageMount } from './types.js'

/** GPUs of one Akash name. Only usable (named, driver answering) GPUs make pools. */
export interface GpuPool {
  vendor: string
  model: string
  ram?: string
  interface?: GpuInterface
  count: number
}

/** One filesystem's bytes, serving ephemeral volumes, persistent volumes of its class, or both. */
export interface StoragePool {
  mount: string
  class: StorageClass
  ephemeral: boolean
  persistent: boolean
  bytes: number
}

export function gpuPoolKey (p: { vendor: string, model: string, ram?: string, interface?: string }): string {
  return `${p.vendor}/${p.model}/${p.ram ?? ''}/${p.interface ?? ''}`
}

export function gpuPools (gpus: readonly GpuDevice[]): GpuPool[] {
  const pools = new Map<string, GpuPool>()
  for (const g of gpus) {
    if (!g.usable || g.model === undefined) continue
    const pool: GpuPool = {
      vendor: g.vendor,
      model: g.model,
      ...(g.ram !== undefined ? { ram: g.ram } : {}),
      ...(g.interface !== undefined ? { interface: g.interface } : {}),
      count: 0
    }
    const key = gpuPoolKey(pool)
    const existing = pools.get(key) ?? pool
    existing.count++
    pools.set(key, existing)
  }
  return [...pools.values()].sort((a, b) => gpuPoolKey(a).localeCompare(gpuPoolKey(b)))
}

/** The mount that holds `path`: the longest mount point that is a prefix of it. */
export function mountFor (path: string, mounts: readonly StorageMount[]): StorageMount | undefined {
  let best: StorageMount | undefined
  for (const m of mounts) {
    const prefix = m.mount.endsWith('/') ? m.mount : `${m.mount}/`
    if ((path === m.mount || path.startsWith(prefix) || m.mount === '/') && (best === undefined || m.mount.length > best.mount.length)) best = m
  }
  return best
}

/**
 * Storage pools from probed mounts: bytes = free bytes at probe time (what is really there to
 * give). The ephemeral pool is the filesystem holding `ephemeralMount`; persistent pools are
 * `persistentMounts` (default: every probed filesystem) under their guessed class.
 */
export function storagePools (mounts: readonly StorageMount[], opts: StorageOptions): StoragePool[] {
  const eph = mountFor(opts.ephemeralMount, mounts)
  const persistent = opts.persistentMounts === undefined ? undefined : new Set(opts.persistentMounts)
  return mounts
    .map((m) => ({
      mount: m.mount,
      class: m.class,
      ephemeral: eph !== undefined && m.mount === eph.mount,
      persistent: persistent === undefined ? true : persistent.has(m.mount),
      bytes: Math.max(0, m.availableBytes)
    }))
    .filter((p) => p.ephemeral || p.persistent)
}
