/**
 * The pure part of running a lease: manifest + options + allocated host ports → the exact
 * container create request of each replica. No runtime call happens here, so every isolation
 * default is unit-tested (test/unit/workload/plan.test.ts).
 */
import { createHash } from 'node:crypto'
import type Docker from 'dockerode'
import { WorkloadError } from './errors.js'
import { parseImageRef } from './image-ref.js'
import type { ImageRef } from './image-ref.js'
import {
  LABEL_COUNT, LABEL_HOST_PORTS, LABEL_LEASE, LABEL_MANAGED, LABEL_REPLICA, LABEL_SERVICE, LABEL_SPEC, LABEL_TENANT,
  containerName, formatHostPorts, leaseNetworkName
} from './labels.js'
import type { HostPortLabel } from './labels.js'
import type { WorkloadExpose, WorkloadManifest, WorkloadService } from './manifest.js'
import type { ExecutorOptions, NetworkMode } from './options.js'
import type { Proto } from './ports.js'

export interface PlanContext {
  options: ExecutorOptions
  network: NetworkMode
  /** Host port per `containerPort/proto` of this replica's global exposes. */
  hostPorts: ReadonlyMap<string, number>
}

export interface ReplicaPlan {
  name: string
  leaseId: string
  service: string
  replica: number
  image: ImageRef
  labels: Record<string, string>
  published: HostPortLabel[]
  specHash: string
  create: Docker.ContainerCreateOptions
}

/** Akash's default tmpfs size when a service bought no ephemeral storage is 0; keep /tmp usable. */
const MIN_TMPFS_BYTES = 1024 * 1024

export function protoOf (e: Pick<WorkloadExpose, 'proto'>): Proto {
  return e.proto === 'UDP' ? 'udp' : 'tcp'
}

/** Network modes that publish container ports on host ports. */
export function publishes (network: NetworkMode): boolean {
  return network === 'slirp4netns' || network === 'bridge' || network === 'lease'
}

/** The exposes of a service that need a host port (one per replica). */
export function globalExposes (s: WorkloadService, network: NetworkMode): WorkloadExpose[] {
  return publishes(network) ? s.expose.filter(e => e.global) : []
}

export function hostPortKey (containerPort: number, proto: Proto): string {
  return `${containerPort}/${proto}`
}

/** Env every replica gets before the tenant's own (the tenant's win on a clash). */
export function skymeshEnv (m: WorkloadManifest, s: WorkloadService, replica: number): string[] {
  return [`SKYMESH_LEASE_ID=${m.leaseId}`, `SKYMESH_TENANT=${m.tenant}`, `SKYMESH_SERVICE=${s.name}`, `SKYMESH_REPLICA=${replica}`]
}

export function planReplica (m: WorkloadManifest, s: WorkloadService, replica: number, ctx: PlanContext): ReplicaPlan {
  const o = ctx.options
  const network = ctx.network
  const image = parseImageRef(s.image)
  if (network === 'none' && s.expose.some(e => e.global)) {
    throw new WorkloadError('UNSUPPORTED', `service ${s.name} exposes a global port, but this provider runs containers without network`, { details: { service: s.name } })
  }
  const exposed: Record<string, object> = {}
  for (const e of s.expose) exposed[hostPortKey(e.port, protoOf(e))] = {}
  const published: HostPortLabel[] = []
  const bindings: Docker.PortMap = {}
  for (const e of globalExposes(s, network)) {
    const key = hostPortKey(e.port, protoOf(e))
    const hostPort = ctx.hostPorts.get(key)
    if (hostPort === undefined) throw new WorkloadError('RUNTIME_ERROR', `no host port allocated for ${s.name}/${replica} ${key}`, { details: { service: s.name, replica } })
    published.push({ containerPort: e.port, proto: protoOf(e), hostPort })
    bindings[key] = [{ HostIp: o.hostIp, HostPort: String(hostPort) }]
  }

  // Tenant-writable space is memory-backed (tmpfs is charged to the container's memory cgroup),
  // so no write can exceed what the lease bought; the root filesystem stays read-only.
  const tmpfs: Record<string, string> = {}
  if (o.readonlyRootfs) {
    const size = Math.max(s.storageBytes, MIN_TMPFS_BYTES)
    for (const p of o.tmpfsPaths) tmpfs[p] = `rw,nosuid,nodev,size=${size}`
  }
  for (const v of s.volumes) {
    if (v.mount !== undefined && v.class === 'ram' && !v.persistent) {
      tmpfs[v.mount] = `${v.readOnly === true ? 'ro' : 'rw'},nosuid,nodev,size=${Math.max(v.sizeBytes, MIN_TMPFS_BYTES)}`
    }
  }

  const ownNetns = network !== 'host'
  const hostConfig: Docker.HostConfig = {
    // Always explicit: Podman's compat API ignores containers.conf and falls back to a bridge.
    NetworkMode: network === 'lease' ? leaseNetworkName(m.leaseId) : network,
    PortBindings: bindings,
    PublishAllPorts: false,
    // A PID 1 that ignores SIGTERM (busybox httpd, many scripts) would make every stop wait
    // for the whole timeout; init also reaps zombies.
    Init: true,
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: o.capAdd.map(c => c.replace(/^CAP_/, '')),
    // setuid binaries in the image cannot regain what CapDrop took.
    SecurityOpt: ['no-new-privileges'],
    ReadonlyRootfs: o.readonlyRootfs,
    Tmpfs: tmpfs,
    Binds: [],
    Memory: s.memoryBytes,
    // Equal to Memory: no swap on top of what the lease bought.
    MemorySwap: s.memoryBytes,
    NanoCpus: s.cpuMillicores * 1_000_000,
    PidsLimit: o.pidsLimit,
    IpcMode: 'private',
    RestartPolicy: o.restartPolicy.name === 'on-failure'
      ? { Name: 'on-failure', MaximumRetryCount: o.restartPolicy.maxRetries }
      : { Name: o.restartPolicy.name },
    // Root in its own network namespace binds :80 without CAP_NET_BIND_SERVICE (Docker does this
    // by default since 20.10; Podman 4.3 does not).
    ...(ownNetns && o.unprivilegedLowPorts ? { Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' } } : {})
  }

  const labels: Record<string, string> = {
    [LABEL_MANAGED]: '1',
    [LABEL_LEASE]: m.leaseId,
    [LABEL_TENANT]: m.tenant,
    [LABEL_SERVICE]: s.name,
    [LABEL_REPLICA]: String(replica),
    [LABEL_COUNT]: String(s.count)
  }
  const create: Docker.ContainerCreateOptions = {
    name: containerName(m.leaseId, s.name, replica),
    Image: image.full,
    ...(s.command.length > 0 ? { Entrypoint: [...s.command] } : {}),
    ...(s.args.length > 0 ? { Cmd: [...s.args] } : {}),
    Env: [...skymeshEnv(m, s, replica), ...s.env],
    Labels: labels,
    ExposedPorts: exposed,
    ...(ownNetns ? { Hostname: s.name } : {}),
    // Multiplexed logs (8-byte frame headers) keep stdout and stderr apart.
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    StopTimeout: o.stopTimeoutSec,
    HostConfig: hostConfig,
    ...(network === 'lease' ? { NetworkingConfig: { EndpointsConfig: { [leaseNetworkName(m.leaseId)]: { Aliases: [s.name] } } } } : {})
  }
  const specHash = specHashOf(create)
  labels[LABEL_SPEC] = specHash
  labels[LABEL_HOST_PORTS] = formatHostPorts(published)
  return { name: create.name ?? '', leaseId: m.leaseId, service: s.name, replica, image, labels, published, specHash, create }
}

/**
 * Everything that makes a replica what it is, minus what changes without changing it: the host
 * ports (allocated), the replica count, and the hash itself. Equal hashes → adopt, else replace.
 */
export function specHashOf (create: Docker.ContainerCreateOptions): string {
  const labels = { ...(create.Labels ?? {}) }
  delete labels[LABEL_SPEC]
  delete labels[LABEL_HOST_PORTS]
  delete labels[LABEL_COUNT]
  const bindings: Record<string, unknown> = {}
  for (const k of Object.keys(create.HostConfig?.PortBindings ?? {}).sort()) bindings[k] = true
  const subject = { ...create, Labels: labels, HostConfig: { ...create.HostConfig, PortBindings: bindings } }
  return createHash('sha256').update(stableJson(subject), 'utf8').digest('hex').slice(0, 32)
}

function stableJson (v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(stableJson).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return '{' + Object.keys(o).filter(k => o[k] !== undefined).sort().map(k => JSON.stringify(k) + ':' + stableJson(o[k])).join(',') + '}'
  }
  return JSON.stringify(v) ?? 'null'
}

/** Every replica of a lease, for callers that want the whole picture (tests, dry runs). */
export function planLease (m: WorkloadManifest, ctx: Omit<PlanContext, 'hostPorts'> & { hostPorts: (service: string, replica: number) => ReadonlyMap<string, number> }): ReplicaPlan[] {
  const out: ReplicaPlan[] = []
  for (const s of m.services) {
    for (let r = 0; r < s.count; r++) out.push(planReplica(m, s, r, { ...ctx, hostPorts: ctx.hostPorts(s.name, r) }))
  }
  return out
}
