/**
 * What a provider runs for a lease: plain data, the same information an Akash manifest group
 * carries (services with image, command, env, count, resources and exposed ports), already in
 * integers (millicores, bytes). The SDL layer's manifest group maps onto it through
 * `workloadManifestFromSdl`; the node may also build it by hand.
 */
import type { ManifestGroup, ManifestService } from '../sdl/manifest.js'
import type { ResourceUnit } from '../sdl/types.js'
import { WorkloadError } from './errors.js'

export type PortProto = 'TCP' | 'UDP'

export interface WorkloadExpose {
  /** Port the container listens on. */
  port: number
  /** SDL `as`: the port the tenant wants it seen as (0 = same as `port`); used for the URI scheme. */
  as: number
  proto: PortProto
  /** Published on the provider's host (a lease endpoint). */
  global: boolean
  /** SDL `accept`: host names the tenant wants routed to it (reported; no ingress here yet). */
  hosts: string[]
  /** Services of the same lease that may reach this port (SDL `to: - service:`). */
  toServices: string[]
}

export interface WorkloadVolume {
  name: string
  sizeBytes: number
  persistent: boolean
  /** Akash storage class, e.g. 'beta3' or 'ram' (memory-backed). */
  class?: string
  /** Where the service mounts it (SDL `params.storage`); absent = not mounted. */
  mount?: string
  readOnly?: boolean
}

export interface RegistryCredentials {
  host: string
  username: string
  password: string
  email?: string
}

export interface WorkloadService {
  /** A DNS label (SDL service names are). */
  name: string
  image: string
  /** Replaces the image's entrypoint (Akash/Kubernetes `command`); empty = the image's. */
  command: string[]
  /** Replaces the image's CMD (Kubernetes `args`); empty = the image's. */
  args: string[]
  /** KEY=VALUE */
  env: string[]
  count: number
  cpuMillicores: number
  memoryBytes: number
  /** Ephemeral (non-persistent, non-ram) storage per replica. */
  storageBytes: number
  gpuUnits: number
  volumes: WorkloadVolume[]
  expose: WorkloadExpose[]
  /** Registry login for a private image; never logged. */
  credentials?: RegistryCredentials
}

/** What a lease bought: the order's resource units times their counts. */
export interface LeaseResources {
  cpuMillicores: number
  memoryBytes: number
  /** All storage, ephemeral and volumes. */
  storageBytes: number
  replicas: number
}

export interface WorkloadManifest {
  leaseId: string
  /** The tenant's account id (labels and status only). */
  tenant: string
  services: WorkloadService[]
  /** When present, deploy refuses a manifest that asks for more than this (LIMIT_EXCEEDED). */
  bought?: LeaseResources
}

/** Docker refuses a memory limit below 6 MiB ("Minimum memory limit allowed is 6MB"). */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024
/** A DNS label, as SDL service names are; also safe in container names and labels. */
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/
const ENV_KEY = /^[^=\0]+$/

export interface SdlLeaseInput {
  leaseId: string
  tenant: string
  /** The group of the deployment manifest this lease is for (orders are per placement group). */
  group: ManifestGroup
  /** The order's resource units, to bound the lease; omit to trust the manifest. */
  resources?: ResourceUnit[]
}

/** Narrow adapter from the SDL layer's manifest group (Akash manifest v2beta3 shape). */
export function workloadManifestFromSdl (input: SdlLeaseInput): WorkloadManifest {
  const m: WorkloadManifest = {
    leaseId: input.leaseId,
    tenant: input.tenant,
    services: input.group.services.map(serviceFromSdl)
  }
  if (input.resources !== undefined) m.bought = boughtOf(input.resources)
  return m
}

function intOf (v: { val: string } | undefined, what: string, service: string): number {
  const n = Number(v?.val ?? '0')
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new WorkloadError('INVALID_MANIFEST', `service ${service}: ${what} "${v?.val ?? ''}" is not a whole number`, { details: { service, field: what } })
  }
  return n
}

function serviceFromSdl (s: ManifestService): WorkloadService {
  const mounts = new Map((s.params?.storage ?? []).map(p => [p.name, p]))
  const volumes: WorkloadVolume[] = []
  let storageBytes = 0
  for (const v of s.resources.storage) {
    const attrs = new Map((v.attributes ?? []).map(a => [a.key, a.value]))
    const persistent = attrs.get('persistent') === 'true'
    const cls = attrs.get('class')
    const size = intOf(v.size, 'storage size', s.name)
    const mount = mounts.get(v.name)
    // Akash: an unmounted, non-persistent, non-ram volume is the container's ephemeral storage.
    if (!persistent && cls !== 'ram' && mount === undefined) {
      storageBytes += size
      continue
    }
    volumes.push({
      name: v.name,
      sizeBytes: size,
      persistent,
      ...(cls !== undefined ? { class: cls } : {}),
      ...(mount !== undefined ? { mount: mount.mount, readOnly: mount.readOnly } : {})
    })
  }
  const out: WorkloadService = {
    name: s.name,
    image: s.image,
    command: s.command ?? [],
    args: s.args ?? [],
    env: s.env ?? [],
    count: s.count,
    cpuMillicores: intOf(s.resources.cpu.units, 'cpu units', s.name),
    memoryBytes: intOf(s.resources.memory.size, 'memory size', s.name),
    storageBytes,
    gpuUnits: intOf(s.resources.gpu.units, 'gpu units', s.name),
    volumes,
    expose: exposesFromSdl(s)
  }
  if (s.credentials !== null && s.credentials.host !== '') {
    out.credentials = {
      host: s.credentials.host,
      username: s.credentials.username,
      password: s.credentials.password,
      ...(s.credentials.email !== '' ? { email: s.credentials.email } : {})
    }
  }
  return out
}

/** Akash lists one expose per `to` target; here one entry per (port, proto), targets folded in. */
function exposesFromSdl (s: ManifestService): WorkloadExpose[] {
  const byKey = new Map<string, WorkloadExpose>()
  for (const e of s.expose) {
    const key = `${e.port}/${e.proto}`
    let x = byKey.get(key)
    if (x === undefined) {
      x = { port: e.port, as: e.externalPort, proto: e.proto, global: false, hosts: [...(e.hosts ?? [])], toServices: [] }
      byKey.set(key, x)
    }
    if (e.global) x.global = true
    if (e.service !== '' && !x.toServices.includes(e.service)) x.toServices.push(e.service)
  }
  return [...byKey.values()]
}

/** Σ count × resources over the order's units. */
export function boughtOf (units: readonly ResourceUnit[]): LeaseResources {
  const t: LeaseResources = { cpuMillicores: 0, memoryBytes: 0, storageBytes: 0, replicas: 0 }
  for (const u of units) {
    t.cpuMillicores += u.count * u.cpu
    t.memoryBytes += u.count * u.memory
    t.storageBytes += u.count * u.storage.reduce((a, v) => a + v.size, 0)
    t.replicas += u.count
  }
  return t
}

/** Σ count × resources over the manifest's services: what running it all takes. */
export function manifestTotals (m: WorkloadManifest): LeaseResources {
  const t: LeaseResources = { cpuMillicores: 0, memoryBytes: 0, storageBytes: 0, replicas: 0 }
  for (const s of m.services) {
    t.cpuMillicores += s.count * s.cpuMillicores
    t.memoryBytes += s.count * s.memoryBytes
    t.storageBytes += s.count * (s.storageBytes + s.volumes.reduce((a, v) => a + v.sizeBytes, 0))
    t.replicas += s.count
  }
  return t
}

function bad (message: string, details: Record<string, unknown> = {}): WorkloadError {
  return new WorkloadError('INVALID_MANIFEST', message, { details })
}

function isCount (n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min && n <= max
}

function checkStrings (v: unknown, what: string, service: string): void {
  if (!Array.isArray(v) || !v.every(x => typeof x === 'string' && !x.includes('\0'))) {
    throw bad(`service ${service}: ${what} must be a list of strings without NUL bytes`, { service, field: what })
  }
}

export interface ManifestLimits {
  maxServices: number
  maxReplicasPerLease: number
}

/**
 * Shape and sanity checks of a manifest before anything touches the runtime: a manifest that
 * passes can be planned. Throws INVALID_MANIFEST, UNSUPPORTED or LIMIT_EXCEEDED.
 */
export function validateManifest (m: WorkloadManifest, limits: ManifestLimits): void {
  if (typeof m.leaseId !== 'string' || m.leaseId === '' || m.leaseId.length > 256 || /[\0\n]/.test(m.leaseId)) throw bad('lease id must be a non-empty string of at most 256 characters')
  if (typeof m.tenant !== 'string' || m.tenant === '' || m.tenant.length > 256) throw bad('tenant must be a non-empty string of at most 256 characters')
  if (!Array.isArray(m.services) || m.services.length === 0) throw bad('a lease needs at least one service')
  if (m.services.length > limits.maxServices) {
    throw new WorkloadError('LIMIT_EXCEEDED', `a lease may run at most ${limits.maxServices} services here, this one has ${m.services.length}`, { details: { services: m.services.length } })
  }
  const names = new Set<string>()
  for (const s of m.services) {
    if (typeof s.name !== 'string' || !SERVICE_NAME.test(s.name)) throw bad(`service name "${String(s.name)}" is not a DNS label (a-z, 0-9, -)`, { service: s.name })
    if (names.has(s.name)) throw bad(`service ${s.name} appears twice`, { service: s.name })
    names.add(s.name)
    if (typeof s.image !== 'string' || s.image === '' || s.image.length > 512) throw bad(`service ${s.name}: image must be a non-empty string`, { service: s.name })
    checkStrings(s.command, 'command', s.name)
    checkStrings(s.args, 'args', s.name)
    checkStrings(s.env, 'env', s.name)
    for (const e of s.env) {
      const key = e.split('=', 1)[0] ?? ''
      if (!e.includes('=') || !ENV_KEY.test(key)) throw bad(`service ${s.name}: env entry "${e.slice(0, 40)}" is not KEY=VALUE`, { service: s.name })
    }
    if (!isCount(s.count, 1, 1000)) throw bad(`service ${s.name}: count must be a whole number from 1 to 1000`, { service: s.name })
    // A zero CPU or memory limit means "unlimited" to the runtime: never let one through.
    if (!isCount(s.cpuMillicores, 1, 1_000_000)) throw bad(`service ${s.name}: cpu must be at least 1 millicore`, { service: s.name })
    if (!isCount(s.memoryBytes, MIN_MEMORY_BYTES, Number.MAX_SAFE_INTEGER)) {
      throw bad(`service ${s.name}: memory must be at least ${MIN_MEMORY_BYTES} bytes (6 MiB, the container runtime's minimum)`, { service: s.name })
    }
    if (!isCount(s.storageBytes, 0, Number.MAX_SAFE_INTEGER)) throw bad(`service ${s.name}: storage must be a whole number of bytes`, { service: s.name })
    if (!isCount(s.gpuUnits, 0, 64)) throw bad(`service ${s.name}: gpu units must be a whole number`, { service: s.name })
    if (s.gpuUnits > 0) {
      throw new WorkloadError('UNSUPPORTED', `service ${s.name}: this provider's executor does not pass GPUs to containers yet`, { details: { service: s.name } })
    }
    if (!Array.isArray(s.volumes)) throw bad(`service ${s.name}: volumes must be a list`, { service: s.name })
    for (const v of s.volumes) {
      if (!isCount(v.sizeBytes, 0, Number.MAX_SAFE_INTEGER)) throw bad(`service ${s.name}: volume ${v.name} size must be a whole number of bytes`, { service: s.name })
      if (v.mount === undefined) continue
      if (!v.mount.startsWith('/') || v.mount.includes('\0') || v.mount.split('/').includes('..')) throw bad(`service ${s.name}: volume ${v.name} mount "${v.mount}" must be an absolute path`, { service: s.name })
      // Persistent volumes need a storage backend (host directories are never mounted into
      // tenant containers); ram volumes become tmpfs mounts.
      if (v.persistent || v.class !== 'ram') {
        throw new WorkloadError('UNSUPPORTED', `service ${s.name}: volume ${v.name} needs persistent storage, which this provider does not offer yet`, { details: { service: s.name, volume: v.name } })
      }
    }
    if (!Array.isArray(s.expose)) throw bad(`service ${s.name}: expose must be a list`, { service: s.name })
    const ports = new Set<string>()
    for (const e of s.expose) {
      if (!isCount(e.port, 1, 65535)) throw bad(`service ${s.name}: port ${String(e.port)} is not 1-65535`, { service: s.name })
      if (!isCount(e.as, 0, 65535)) throw bad(`service ${s.name}: "as" ${String(e.as)} is not 0-65535`, { service: s.name })
      if (e.proto !== 'TCP' && e.proto !== 'UDP') throw bad(`service ${s.name}: proto must be TCP or UDP`, { service: s.name })
      const key = `${e.port}/${e.proto}`
      if (ports.has(key)) throw bad(`service ${s.name}: port ${key} exposed twice`, { service: s.name })
      ports.add(key)
    }
  }
  const t = manifestTotals(m)
  if (t.replicas > limits.maxReplicasPerLease) {
    throw new WorkloadError('LIMIT_EXCEEDED', `a lease may run at most ${limits.maxReplicasPerLease} containers here, this one asks for ${t.replicas}`, { details: { replicas: t.replicas } })
  }
  if (m.bought !== undefined) checkWithinBought(t, m.bought)
}

/** [LIMIT_EXCEEDED] the manifest never runs more than the lease paid for. */
export function checkWithinBought (asked: LeaseResources, bought: LeaseResources): void {
  const over: string[] = []
  if (asked.cpuMillicores > bought.cpuMillicores) over.push(`cpu ${asked.cpuMillicores}m > ${bought.cpuMillicores}m`)
  if (asked.memoryBytes > bought.memoryBytes) over.push(`memory ${asked.memoryBytes} > ${bought.memoryBytes} bytes`)
  if (asked.storageBytes > bought.storageBytes) over.push(`storage ${asked.storageBytes} > ${bought.storageBytes} bytes`)
  if (asked.replicas > bought.replicas) over.push(`replicas ${asked.replicas} > ${bought.replicas}`)
  if (over.length > 0) {
    throw new WorkloadError('LIMIT_EXCEEDED', `the manifest asks for more than the lease bought: ${over.join(', ')}`, { details: { asked: { ...asked }, bought: { ...bought } } })
  }
}
