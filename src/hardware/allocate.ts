import type { Attribute, ResourceUnit } from '../sdl/types.js'
import type { GpuPool, StoragePool } from './pools.js'
import type { GpuInterface } from './types.js'

/** Why a group does not fit. A bounded set, so the market can count them and tests assert them. */
export type NoFitCode =
  | 'ATTRIBUTE_MISSING'
  | 'ATTRIBUTE_MISMATCH'
  | 'SIGNED_BY_UNSATISFIED'
  | 'ENDPOINT_UNSUPPORTED'
  | 'GPU_ATTRIBUTES_INVALID'
  | 'GPU_MODEL_UNAVAILABLE'
  | 'GPU_SHORT'
  | 'CPU_SHORT'
  | 'MEMORY_SHORT'
  | 'STORAGE_ATTRIBUTES_INVALID'
  | 'STORAGE_CLASS_UNAVAILABLE'
  | 'STORAGE_SHORT'

export interface NoFitReason {
  code: NoFitCode
  /** For people: "memory short by 12.5 GiB (needs 64 GiB, 51.5 GiB available)". */
  message: string
  details: Record<string, string | number | boolean | string[]>
}

/** Countable resources: probed totals, or what is left after reservations and holds. */
export interface Resources {
  cpuMillicores: number
  memoryBytes: number
  storage: StoragePool[]
  gpus: GpuPool[]
}

export function cloneResources (r: Resources): Resources {
  return { cpuMillicores: r.cpuMillicores, memoryBytes: r.memoryBytes, storage: r.storage.map((s) => ({ ...s })), gpus: r.gpus.map((g) => ({ ...g })) }
}

/** One GPU the SDL accepts: `vendor/<v>/model/<m>[/ram/<r>][/interface/<i>]`, model may be `*`. */
export interface GpuAsk {
  vendor: string
  model: string
  ram?: string
  interface?: GpuInterface
  key: string
}

const MEM_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 }

/** Akash writes GPU ram as Gi (units.MemoryQuantityFromString(...).StringWithSuffix("Gi")). */
export function normalizeGpuRam (raw: string): string | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmgt]i?)?b?$/i.exec(raw.trim())
  if (m === null) return undefined
  const bytes = Number(m[1]) * (MEM_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN)
  if (!Number.isFinite(bytes) || bytes <= 0) return undefined
  const gi = bytes / 1024 ** 3
  return Number.isInteger(gi) ? `${gi}Gi` : raw.trim()
}

/** Akash provider's ParseGPUAttributes, with the reasons it rejects a key. */
export function parseGpuAttributes (attrs: readonly Attribute[]): { asks: GpuAsk[], invalid: string[] } {
  const asks: GpuAsk[] = []
  const invalid: string[] = []
  for (const a of attrs) {
    const t = a.key.split('/')
    if (t.length < 4 || t.length % 2 !== 0 || t[0] !== 'vendor' || t[2] !== 'model' || a.value !== 'true') {
      invalid.push(a.key)
      continue
    }
    const vendor = t[1] as string
    if (vendor !== 'nvidia' && vendor !== 'amd') { invalid.push(a.key); continue }
    const ask: GpuAsk = { vendor, model: t[3] as string, key: a.key }
    let ok = true
    for (let i = 4; i < t.length; i += 2) {
      const k = t[i] as string
      const v = t[i + 1] as string
      if (k === 'ram') {
        const ram = normalizeGpuRam(v)
        if (ram === undefined) ok = false
        else ask.ram = ram
      } else if (k === 'interface') {
        if (v !== 'pcie' && v !== 'sxm') ok = false
        else ask.interface = v
      }
      // Akash ignores other keys; so do we.
    }
    if (ok) asks.push(ask)
    else invalid.push(a.key)
  }
  return { asks, invalid }
}

export function gpuAskMatches (ask: GpuAsk, pool: GpuPool): boolean {
  return pool.vendor === ask.vendor &&
    (ask.model === '*' || ask.model === pool.model) &&
    (ask.ram === undefined || ask.ram === pool.ram) &&
    (ask.interface === undefined || ask.interface === pool.interface)
}

export function describeAsk (a: GpuAsk): string {
  return [a.vendor, a.model === '*' ? 'any model' : a.model, a.ram, a.interface].filter((x) => x !== undefined).join(' ')
}

export function describePool (p: GpuPool, count = p.count): string {
  return `${count}x ${[p.vendor, p.model, p.ram, p.interface].filter((x) => x !== undefined).join(' ')}`
}

const GIB = 1024 ** 3
export function fmtBytes (n: number): string {
  if (n >= GIB) return `${trim(n / GIB)} GiB`
  if (n >= 1024 ** 2) return `${trim(n / 1024 ** 2)} MiB`
  return `${n} B`
}
function trim (x: number): string {
  return (Math.round(x * 10) / 10).toString()
}
export function fmtCores (millicores: number): string {
  return trim(millicores / 1000)
}

/** How an SDL volume is served, from its attributes (Akash ParseStorageAttributes + tryAdjust). */
export type VolumeKind = { kind: 'ephemeral' } | { kind: 'ram' } | { kind: 'persistent', class: string } | { kind: 'invalid', why: string }

export function volumeKind (attrs: readonly Attribute[]): VolumeKind {
  const get = (k: string): string | undefined => attrs.find((a) => a.key === k)?.value
  const persistent = get('persistent') === 'true'
  const cls = get('class') ?? ''
  if (persistent) {
    if (cls === '' || cls === 'ram') return { kind: 'invalid', why: 'persistent volume must name a storage class other than ram' }
    return { kind: 'persistent', class: cls }
  }
  return cls === 'ram' ? { kind: 'ram' } : { kind: 'ephemeral' }
}

/**
 * Take `units` (each x count) out of `available`, as one provider host does: CPU, memory and
 * storage against totals (a single-node provider has no per-node packing to do), each volume
 * replica inside one filesystem, and all GPUs of one resource unit from one model (Akash pins
 * every replica of a service to one vendor/model). Mutates `available`; returns every shortfall.
 * `total` (before reservations and holds) tells "this provider has no such GPU" from "all taken".
 */
export function allocate (available: Resources, units: readonly ResourceUnit[], total: Resources): NoFitReason[] {
  const reasons: NoFitReason[] = []
  let cpu = 0
  let mem = 0
  const storageNeed = new Map<string, number>()
  const storageShort = new Map<string, number>()
  const seenCodes = new Set<string>()
  const once = (key: string, r: NoFitReason): void => {
    if (seenCodes.has(key)) return
    seenCodes.add(key)
    reasons.push(r)
  }

  for (const u of units) {
    const count = Math.max(0, u.count)
    cpu += u.cpu * count
    mem += u.memory * count
    for (const v of u.storage) {
      const k = volumeKind(v.attributes)
      if (k.kind === 'invalid') {
        once(`sa:${u.id}:${v.name}`, { code: 'STORAGE_ATTRIBUTES_INVALID', message: `volume '${v.name}': ${k.why}`, details: { unit: u.id, volume: v.name } })
        continue
      }
      if (k.kind === 'ram') { mem += v.size * count; continue }
      const label = k.kind === 'ephemeral' ? 'ephemeral' : k.class
      const candidates = available.storage.filter((p) => k.kind === 'ephemeral' ? p.ephemeral : (p.persistent && p.class === k.class))
      if (k.kind === 'persistent' && !total.storage.some((p) => p.persistent && p.class === k.class)) {
        const have = [...new Set(total.storage.filter((p) => p.persistent).map((p) => p.class))].sort()
        once(`sc:${k.class}`, { code: 'STORAGE_CLASS_UNAVAILABLE', message: `asks for persistent storage class ${k.class}, this provider has ${have.length > 0 ? have.join(', ') : 'no persistent storage'}`, details: { class: k.class, available: have } })
        continue
      }
      storageNeed.set(label, (storageNeed.get(label) ?? 0) + v.size * count)
      for (let i = 0; i < count; i++) {
        // Largest free pool first: keeps small pools for small volumes.
        const pool = candidates.filter((p) => p.bytes >= v.size).sort((a, b) => b.bytes - a.bytes)[0]
        if (pool === undefined) storageShort.set(label, (storageShort.get(label) ?? 0) + v.size)
        else pool.bytes -= v.size
      }
    }

    if (u.gpu.units > 0 && count > 0) {
      const needed = u.gpu.units * count
      const { asks, invalid } = parseGpuAttributes(u.gpu.attributes)
      if (invalid.length > 0 || asks.length === 0) {
        reasons.push({ code: 'GPU_ATTRIBUTES_INVALID', message: asks.length === 0 && invalid.length === 0 ? `unit ${u.id} asks for ${needed} GPU(s) without naming a vendor` : `unit ${u.id}: GPU attribute(s) not in Akash form vendor/<vendor>/model/<model>[/ram/<ram>][/interface/pcie|sxm] = true: ${invalid.join(', ')}`, details: { unit: u.id, keys: invalid } })
        if (asks.length === 0) continue
      }
      const asked = asks.map(describeAsk).join(' or ')
      const haveTotal = total.gpus.length > 0 ? total.gpus.map((p) => describePool(p)).join(', ') : 'no GPUs'
      if (!total.gpus.some((p) => asks.some((a) => gpuAskMatches(a, p)))) {
        reasons.push({ code: 'GPU_MODEL_UNAVAILABLE', message: `asks for ${asked}, this provider has ${haveTotal}`, details: { unit: u.id, asked: asks.map((a) => a.key), have: total.gpus.map((p) => describePool(p)) } })
        continue
      }
      let pool: GpuPool | undefined
      for (const a of asks) {
        pool = available.gpus.find((p) => gpuAskMatches(a, p) && p.count >= needed)
        if (pool !== undefined) break
      }
      if (pool !== undefined) {
        pool.count -= needed
      } else {
        const matching = available.gpus.filter((p) => asks.some((a) => gpuAskMatches(a, p)))
        const largest = Math.max(0, ...matching.map((p) => p.count))
        reasons.push({ code: 'GPU_SHORT', message: `asks for ${needed}x ${asked} (${u.gpu.units} per replica x ${count}); only ${matching.length > 0 ? matching.map((p) => describePool(p)).join(', ') : 'none'} free${matching.length > 1 ? ' (one model per service)' : ''}`, details: { unit: u.id, needed, available: largest } })
      }
    }
  }

  if (cpu > available.cpuMillicores) {
    const short = cpu - available.cpuMillicores
    reasons.push({ code: 'CPU_SHORT', message: `cpu short by ${fmtCores(short)} cores (needs ${fmtCores(cpu)}, ${fmtCores(available.cpuMillicores)} available)`, details: { neededMillicores: cpu, availableMillicores: available.cpuMillicores, shortMillicores: short } })
  }
  available.cpuMillicores = Math.max(0, available.cpuMillicores - cpu)
  if (mem > available.memoryBytes) {
    const short = mem - available.memoryBytes
    reasons.push({ code: 'MEMORY_SHORT', message: `memory short by ${fmtBytes(short)} (needs ${fmtBytes(mem)}, ${fmtBytes(available.memoryBytes)} available)`, details: { neededBytes: mem, availableBytes: available.memoryBytes, shortBytes: short } })
  }
  available.memoryBytes = Math.max(0, available.memoryBytes - mem)
  for (const [label, short] of storageShort) {
    const need = storageNeed.get(label) ?? short
    const pools = available.storage.filter((p) => label === 'ephemeral' ? p.ephemeral : (p.persistent && p.class === label))
    const free = pools.reduce((s, p) => s + p.bytes, 0)
    reasons.push({ code: 'STORAGE_SHORT', message: `${label === 'ephemeral' ? 'ephemeral' : `persistent ${label}`} storage short by ${fmtBytes(short)} (needs ${fmtBytes(need)}${pools.length > 1 ? ', each volume on one filesystem' : ''}; ${fmtBytes(free + need - short)} available)`, details: { class: label, neededBytes: need, shortBytes: short } })
  }
  return reasons
}
