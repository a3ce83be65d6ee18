/**
 * Runs leases on a container runtime: deploy, status, logs, close, reconcile. All state that
 * matters lives in the runtime as labels (labels.ts), so a restarted provider finds its leases
 * again; what this object keeps in memory (manifests, start errors, its own events) only
 * improves status until then.
 */
import type Docker from 'dockerode'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { silentLogger } from '../util/logger.js'
import {
  createFromPlan, ensureLeaseNetwork, forEachLimited, inspectContainer, isNotStarted, isStopped, listManaged, listManagedNetworks, removeNetwork, startContainer, stopAndRemove
} from './containers.js'
import type { ContainerDocker, ManagedContainer } from './containers.js'
import { WorkloadError, isWorkloadError } from './errors.js'
import { RuntimeEventLog, defaultEventLogOptions } from './events.js'
import type { WorkloadErrorCode } from './errors.js'
import { parseImageRef, registryAllowed } from './image-ref.js'
import { ensureImage } from './images.js'
import type { EnsureImageResult, ImageDocker } from './images.js'
import { LABEL_HOST_PORTS, MANAGED_FILTER, leaseFilter } from './labels.js'
import { mergeAsync } from './log-stream.js'
import { containerLogsFollow, containerLogsOnce } from './logs.js'
import type { LogLine, LogsOptions } from './logs.js'
import { validateManifest } from './manifest.js'
import type { WorkloadManifest, WorkloadService } from './manifest.js'
import { resolveExecutorOptions, resolveNetworkMode } from './options.js'
import type { ExecutorOptions, NetworkMode } from './options.js'
import { globalExposes, hostPortKey, planReplica, protoOf } from './plan.js'
import type { ReplicaPlan } from './plan.js'
import { allocatePorts, portKey, probePortFree } from './ports.js'
import type { PortProbe, PortRequest } from './ports.js'
import { apiMessage, asWorkloadError, statusOf } from './runtime-call.js'
import { connectRuntime } from './runtime.js'
import type { RuntimeInfo, RuntimeOptions } from './runtime.js'
import { assembleLeaseStatus, endpointsFromLabel } from './status.js'
import type { LeaseEndpoint, LeaseStatus, WorkloadEvent } from './status.js'

export type ExecutorDocker = ContainerDocker & ImageDocker & Pick<Docker, 'getEvents'>

export interface ExecutorModules {
  docker: ExecutorDocker
  runtime: RuntimeInfo
  logger?: Logger
  clock?: Clock
  /** Host port check; default binds and releases the port. */
  isPortFree?: PortProbe
}

export interface DeployResult {
  leaseId: string
  /** Container names, per what happened to them. */
  created: string[]
  started: string[]
  /** Already there with the same spec: kept as they were. */
  adopted: string[]
  /** Spec changed (a manifest update): removed and created again. */
  replaced: string[]
  /** Not in the manifest any more (service gone, count lowered, duplicate). */
  removed: string[]
  /** Created but their start failed for a reason of the tenant's (status shows them failed). */
  failed: Array<{ name: string, message: string }>
  images: Record<string, EnsureImageResult>
  endpoints: LeaseEndpoint[]
}

export interface CloseResult {
  leaseId: string
  removed: string[]
  networks: string[]
}

export interface ReconcileResult {
  adopted: string[]
  started: string[]
  created: string[]
  removed: string[]
  /** Leases whose objects were removed because they are not active any more. */
  orphanLeases: string[]
  errors: Array<{ leaseId: string, code: WorkloadErrorCode, message: string }>
}

export interface CallOptions {
  signal?: AbortSignal
}

interface ConvergeMode {
  /** Replace a replica whose spec hash differs (deploy: a manifest update). */
  replaceChanged: boolean
  /** Start replicas that exited (reconcile after a provider or host restart). */
  startStopped: boolean
}

type ConvergeOutcome = Omit<DeployResult, 'leaseId'>

/** Start errors that are the host's fault: rolled back and thrown, not pinned on the tenant. */
const INFRA_START_ERROR = /network|cni|netavark|slirp4netns|rootlessport|port is already allocated|address already in use|cgroup|oci runtime|conmon/i

const MAX_EVENTS_PER_LEASE = 200

export class WorkloadExecutor {
  readonly options: ExecutorOptions
  readonly network: NetworkMode
  readonly runtime: RuntimeInfo
  private readonly docker: ExecutorDocker
  readonly logger: Logger
  private readonly clock: Clock
  private readonly isPortFree: PortProbe
  /** Manifests deployed or reconciled by this process: status can then name missing replicas. */
  private readonly known = new Map<string, WorkloadManifest>()
  private readonly startErrors = new Map<string, string>()
  private readonly ownEvents = new Map<string, WorkloadEvent[]>()
  private readonly eventLog: RuntimeEventLog
  /** Deploy, close and reconcile run one at a time: port allocation and adoption need a stable view. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor (opts: Partial<ExecutorOptions>, modules: ExecutorModules) {
    this.options = resolveExecutorOptions(opts)
    this.network = resolveNetworkMode(this.options, modules.runtime.kind)
    this.runtime = modules.runtime
    this.docker = modules.docker
    this.logger = modules.logger ?? silentLogger
    this.clock = modules.clock ?? systemClock
    this.isPortFree = modules.isPortFree ?? probePortFree
    this.eventLog = new RuntimeEventLog({ ...defaultEventLogOptions, windowSec: this.options.eventsWindowSec }, { docker: this.docker, logger: this.logger, clock: this.clock })
  }

  /** Follow the runtime's container events (for status' last events). connectExecutor calls it. */
  start (): void {
    this.eventLog.start()
  }

  /** End the events subscription; leases keep running (they are the runtime's, not ours). */
  stop (): void {
    this.eventLog.stop()
  }

  private get host (): string {
    return this.options.advertiseHost ?? this.options.hostIp
  }

  private async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return await run
  }

  /**
   * Create and start everything of a lease. Idempotent: replicas that exist with the same spec
   * are adopted (started only if never started), missing ones created, changed ones replaced,
   * extra ones removed. Image, manifest and port problems throw before anything is created.
   */
  async deploy (manifest: WorkloadManifest, call: CallOptions = {}): Promise<DeployResult> {
    validateManifest(manifest, { maxServices: this.options.maxServicesPerLease, maxReplicasPerLease: this.options.maxReplicasPerLease })
    this.checkImagesAllowed(manifest)
    return await this.exclusive(async () => {
      const existing = await listManaged(this.docker, leaseFilter(manifest.leaseId), this.options.callTimeoutMs, call.signal)
      const out = await this.converge(manifest, existing, { replaceChanged: true, startStopped: false }, call.signal)
      this.known.set(manifest.leaseId, manifest)
      this.logger.info('lease deployed', { leaseId: manifest.leaseId, created: out.created.length, adopted: out.adopted.length, replaced: out.replaced.length, removed: out.removed.length, failed: out.failed.length })
      return { leaseId: manifest.leaseId, ...out }
    })
  }

  /** Stop and remove every object labelled with this lease (and nothing else). Idempotent. */
  async close (leaseId: string, call: CallOptions = {}): Promise<CloseResult> {
    return await this.exclusive(async () => {
      const containers = await listManaged(this.docker, leaseFilter(leaseId), this.options.callTimeoutMs, call.signal)
      await this.removeAll(containers, call.signal)
      const networks = await listManagedNetworks(this.docker, leaseId, this.options.callTimeoutMs, call.signal)
      for (const n of networks) await removeNetwork(this.docker, n.id, this.options.callTimeoutMs, call.signal)
      this.forget(leaseId, containers)
      this.logger.info('lease closed', { leaseId, removed: containers.length })
      return { leaseId, removed: containers.map(c => c.name), networks: networks.map(n => n.name) }
    })
  }

  /**
   * After a provider restart: adopt what runs, start what stopped, recreate what is missing
   * (for leases given with their manifest), and remove every managed object of a lease not in
   * `active`. A lease given by id only is adopted as it is (nothing to recreate it from).
   * Errors of one lease are reported, not thrown, so one bad lease does not stop the others.
   */
  async reconcile (active: ReadonlyArray<WorkloadManifest | string>, call: CallOptions = {}): Promise<ReconcileResult> {
    return await this.exclusive(async () => {
      const result: ReconcileResult = { adopted: [], started: [], created: [], removed: [], orphanLeases: [], errors: [] }
      const activeIds = new Set(active.map(a => typeof a === 'string' ? a : a.leaseId))
      const all = await listManaged(this.docker, [MANAGED_FILTER], this.options.callTimeoutMs, call.signal)
      const byLease = new Map<string, ManagedContainer[]>()
      for (const c of all) byLease.set(c.leaseId, [...(byLease.get(c.leaseId) ?? []), c])
      for (const [leaseId, cs] of byLease) {
        if (activeIds.has(leaseId)) continue
        await this.removeAll(cs, call.signal)
        this.forget(leaseId, cs)
        result.orphanLeases.push(leaseId)
        result.removed.push(...cs.map(c => c.name))
      }
      for (const n of await listManagedNetworks(this.docker, undefined, this.options.callTimeoutMs, call.signal)) {
        if (!activeIds.has(n.leaseId)) await removeNetwork(this.docker, n.id, this.options.callTimeoutMs, call.signal)
      }
      for (const a of active) {
        const leaseId = typeof a === 'string' ? a : a.leaseId
        const existing = byLease.get(leaseId) ?? []
        try {
          if (typeof a === 'string') {
            const toStart = existing.filter(c => isNotStarted(c.state) || isStopped(c.state))
            const failed = await this.startAll(leaseId, toStart, call.signal)
            result.started.push(...toStart.filter(c => !failed.some(f => f.name === c.name)).map(c => c.name))
            result.adopted.push(...existing.map(c => c.name))
            continue
          }
          validateManifest(a, { maxServices: this.options.maxServicesPerLease, maxReplicasPerLease: this.options.maxReplicasPerLease })
          this.checkImagesAllowed(a)
          const out = await this.converge(a, existing, { replaceChanged: false, startStopped: true }, call.signal)
          this.known.set(leaseId, a)
          result.adopted.push(...out.adopted)
          result.started.push(...out.started.filter(n => !out.created.includes(n)))
          result.created.push(...out.created)
          result.removed.push(...out.removed)
        } catch (err) {
          if (call.signal?.aborted === true) throw err
          const e = asWorkloadError(err, 'reconcile')
          result.errors.push({ leaseId, code: e.code, message: e.message })
        }
      }
      this.logger.info('leases reconciled', { active: activeIds.size, adopted: result.adopted.length, created: result.created.length, orphanLeases: result.orphanLeases.length, errors: result.errors.length })
      return result
    })
  }

  /** Per service: replicas ready, restarts, exit codes and reasons, endpoints, last events. */
  async status (leaseId: string, call: CallOptions = {}): Promise<LeaseStatus> {
    const t = this.options.callTimeoutMs
    const containers = await listManaged(this.docker, leaseFilter(leaseId), t, call.signal)
    const manifest = this.known.get(leaseId)
    if (containers.length === 0 && manifest === undefined) {
      throw new WorkloadError('NOT_FOUND', `no workload for lease ${leaseId} on this provider`, { details: { leaseId } })
    }
    const inspected = await Promise.all(containers.map(async c => ({ c, info: await inspectContainer(this.docker, c.id, t, call.signal) })))
    const replicas = inspected.flatMap(({ c, info }) => info === undefined ? [] : [{ labels: c.labels, info, startError: this.startErrors.get(c.name) }])
    const events = [...this.eventLog.forLease(leaseId), ...(this.ownEvents.get(leaseId) ?? [])]
    return assembleLeaseStatus({ leaseId, manifest, replicas, events, host: this.host, eventsPerService: this.options.eventsPerService })
  }

  /**
   * Log lines of a lease's replicas, demultiplexed (stdout/stderr) and tagged with service and
   * replica. Unfollowed: replica after replica. Followed: interleaved as they come, until every
   * replica stops, the consumer stops iterating, or `signal` aborts.
   */
  async * logs (leaseId: string, o: LogsOptions = {}): AsyncGenerator<LogLine> {
    const t = this.options.callTimeoutMs
    const all = await listManaged(this.docker, leaseFilter(leaseId), t, o.signal)
    if (all.length === 0) throw new WorkloadError('NOT_FOUND', `no workload for lease ${leaseId} on this provider`, { details: { leaseId } })
    const chosen = all.filter(c => (o.service === undefined || c.service === o.service) && (o.replica === undefined || c.replica === o.replica))
    if (chosen.length === 0) {
      throw new WorkloadError('NOT_FOUND', `lease ${leaseId} has no service ${o.service ?? ''}${o.replica !== undefined ? ` replica ${o.replica}` : ''}`, { details: { leaseId, service: o.service } })
    }
    if (o.follow !== true) {
      for (const c of chosen) yield * containerLogsOnce(this.docker, c, o, t)
      return
    }
    const ac = new AbortController()
    const onAbort = (): void => ac.abort()
    o.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      yield * mergeAsync(chosen.map(c => containerLogsFollow(this.docker, c, o, ac.signal, t)), () => ac.abort())
    } finally {
      o.signal?.removeEventListener('abort', onAbort)
      ac.abort()
    }
  }

  /** Lease ids that have managed containers on this runtime. */
  async leases (call: CallOptions = {}): Promise<string[]> {
    const all = await listManaged(this.docker, [MANAGED_FILTER], this.options.callTimeoutMs, call.signal)
    return [...new Set(all.map(c => c.leaseId))].sort()
  }

  // -------------------------------------------------------------------------------------------

  private checkImagesAllowed (m: WorkloadManifest): void {
    for (const s of m.services) {
      const ref = parseImageRef(s.image)
      // [IMAGE_NOT_ALLOWED] only registries the operator listed
      if (!registryAllowed(ref, this.options.allowedRegistries)) {
        throw new WorkloadError('IMAGE_NOT_ALLOWED', `service ${s.name}: images from ${ref.registry} are not accepted by this provider (allowed: ${this.options.allowedRegistries.join(', ')})`, {
          details: { service: s.name, registry: ref.registry }
        })
      }
    }
  }

  private specOf (m: WorkloadManifest, s: WorkloadService, replica: number): string {
    // Host ports are not part of the spec hash: any placeholder plans the same hash.
    const ports = new Map(globalExposes(s, this.network).map(e => [hostPortKey(e.port, protoOf(e)), 0]))
    return planReplica(m, s, replica, { options: this.options, network: this.network, hostPorts: ports }).specHash
  }

  private async converge (m: WorkloadManifest, existing: ManagedContainer[], mode: ConvergeMode, signal: AbortSignal | undefined): Promise<ConvergeOutcome> {
    const out: ConvergeOutcome = { created: [], started: [], adopted: [], replaced: [], removed: [], failed: [], images: {}, endpoints: [] }
    const bySlot = new Map<string, ManagedContainer[]>()
    for (const c of existing) bySlot.set(`${c.service}/${c.replica}`, [...(bySlot.get(`${c.service}/${c.replica}`) ?? []), c])
    const toRemove: ManagedContainer[] = []
    const toStart: ManagedContainer[] = []
    const toCreate: Array<{ s: WorkloadService, replica: number, preferred: Map<string, number> }> = []
    const kept: ManagedContainer[] = []
    for (const s of m.services) {
      for (let r = 0; r < s.count; r++) {
        const slot = bySlot.get(`${s.name}/${r}`) ?? []
        bySlot.delete(`${s.name}/${r}`)
        // Two containers in one slot (a crash between create and bookkeeping): keep a running one.
        slot.sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running'))
        const [keep, ...dups] = slot
        toRemove.push(...dups)
        if (keep === undefined) {
          toCreate.push({ s, replica: r, preferred: new Map() })
          continue
        }
        if (mode.replaceChanged && keep.spec !== this.specOf(m, s, r)) {
          toRemove.push(keep)
          out.replaced.push(keep.name)
          // The new container keeps the old endpoint when the port is still free.
          toCreate.push({ s, replica: r, preferred: new Map(keep.hostPorts.map(p => [hostPortKey(p.containerPort, p.proto), p.hostPort])) })
          continue
        }
        out.adopted.push(keep.name)
        kept.push(keep)
        if (isNotStarted(keep.state) || (mode.startStopped && isStopped(keep.state))) toStart.push(keep)
      }
    }
    // Whatever is left is not in the manifest: a removed service, or replicas above count.
    for (const rest of bySlot.values()) toRemove.push(...rest)

    // Images first: a missing image fails the call before anything changes.
    for (const image of new Set(toCreate.map(c => c.s.image))) {
      const svc = toCreate.find(c => c.s.image === image)?.s as WorkloadService
      const ref = parseImageRef(image)
      const got = await ensureImage(this.docker, ref, {
        policy: this.options.pullPolicy,
        ...(svc.credentials !== undefined ? { credentials: svc.credentials } : {}),
        callTimeoutMs: this.options.callTimeoutMs,
        pullTimeoutMs: this.options.pullTimeoutMs,
        ...(signal !== undefined ? { signal } : {})
      })
      out.images[ref.full] = got
      if (got === 'pulled') this.event(m.leaseId, { service: svc.name, action: 'pulled', message: ref.full })
    }

    // Ports for every new replica at once, before anything changes, so the lease gets all of
    // them or none. Ports of replicas about to be removed count as free (they soon are).
    const requests: PortRequest[] = []
    for (const c of toCreate) {
      for (const e of globalExposes(c.s, this.network)) {
        const k = hostPortKey(e.port, protoOf(e))
        const preferred = c.preferred.get(k)
        requests.push({ key: `${c.s.name}/${c.replica} ${k}`, proto: protoOf(e), ...(preferred !== undefined ? { preferred } : {}) })
      }
    }
    let ports = new Map<string, number>()
    if (requests.length > 0) {
      const leaving = new Set(toRemove.flatMap(c => c.hostPorts.map(p => portKey(p.hostPort, p.proto))))
      const held = await listManaged(this.docker, [MANAGED_FILTER], this.options.callTimeoutMs, signal)
      const taken = new Set(held.flatMap(h => h.hostPorts.map(p => portKey(p.hostPort, p.proto))).filter(k => !leaving.has(k)))
      const isFree: PortProbe = async (ip, port, proto) => leaving.has(portKey(port, proto)) || await this.isPortFree(ip, port, proto)
      ports = await allocatePorts({ requests, range: this.options.portRange, hostIp: this.options.hostIp, taken, isFree, leaseId: m.leaseId })
    }

    await this.removeAll(toRemove, signal)
    for (const c of toRemove) {
      this.startErrors.delete(c.name)
      if (!out.replaced.includes(c.name)) out.removed.push(c.name)
    }

    if (toCreate.length > 0 && this.network === 'lease') await ensureLeaseNetwork(this.docker, m.leaseId, this.options.callTimeoutMs, signal)

    const plans: ReplicaPlan[] = toCreate.map(c => {
      const hostPorts = new Map<string, number>()
      for (const e of globalExposes(c.s, this.network)) {
        const k = hostPortKey(e.port, protoOf(e))
        const p = ports.get(`${c.s.name}/${c.replica} ${k}`)
        if (p !== undefined) hostPorts.set(k, p)
      }
      return planReplica(m, c.s, c.replica, { options: this.options, network: this.network, hostPorts })
    })

    const createdNow: ManagedContainer[] = []
    try {
      for (const p of plans) {
        const id = await createFromPlan(this.docker, p, this.options.callTimeoutMs, signal)
        createdNow.push({ id, name: p.name, state: 'created', leaseId: m.leaseId, service: p.service, replica: p.replica, spec: p.specHash, hostPorts: p.published, labels: p.labels })
        out.created.push(p.name)
      }
      const failed = await this.startAll(m.leaseId, [...createdNow, ...toStart], signal)
      out.failed.push(...failed)
      out.started.push(...[...createdNow, ...toStart].map(c => c.name).filter(n => !failed.some(f => f.name === n)))
    } catch (err) {
      // The host failed us, not the tenant: leave no half-deployed replicas of this call behind.
      await this.removeAll(createdNow, undefined).catch(() => undefined)
      out.created.length = 0
      throw err
    }
    for (const c of [...kept, ...createdNow]) {
      const svc = m.services.find(s => s.name === c.service)
      out.endpoints.push(...endpointsFromLabel(c.labels[LABEL_HOST_PORTS], c.service, c.replica, this.host, svc?.expose ?? []))
    }
    return out
  }

  /**
   * Start each container, a few at a time (a start is 0.2-0.5 s of runtime work here, mostly
   * waiting). A failure caused by the tenant's image or command is recorded and returned (status
   * shows it); one caused by the host (network, ports, runtime) is thrown once all settled.
   */
  private async startAll (leaseId: string, containers: readonly ManagedContainer[], signal: AbortSignal | undefined): Promise<Array<{ name: string, message: string }>> {
    const failed: Array<{ name: string, message: string }> = []
    let infra: unknown
    await forEachLimited(containers, 4, async (c) => {
      try {
        await startContainer(this.docker, c.id, this.options.callTimeoutMs, signal)
        this.startErrors.delete(c.name)
      } catch (err) {
        const status = statusOf(err)
        if (status === 304) return
        const message = apiMessage(err).trim()
        if (signal?.aborted === true || isWorkloadError(err) || status === undefined || status === 404 || INFRA_START_ERROR.test(message)) {
          infra ??= /network|cni|netavark|slirp4netns/i.test(message) && !isWorkloadError(err)
            ? new WorkloadError('NETWORK_UNAVAILABLE', `cannot start ${c.name}: ${message.slice(0, 300)}`, { details: { leaseId }, cause: err })
            : signal?.aborted === true || isWorkloadError(err) ? err : asWorkloadError(err, `start of ${c.name}`)
          return
        }
        this.startErrors.set(c.name, message.slice(0, 500))
        this.event(leaseId, { service: c.service, replica: c.replica, action: 'start-failed', reason: 'start-failed', message: message.slice(0, 300) })
        failed.push({ name: c.name, message: message.slice(0, 500) })
      }
    })
    if (infra !== undefined) throw infra
    return failed.sort((a, b) => a.name < b.name ? -1 : 1)
  }

  private async removeAll (containers: readonly ManagedContainer[], signal: AbortSignal | undefined): Promise<void> {
    // Stops wait up to stopTimeoutSec each: a few in parallel, not the whole lease at once.
    await forEachLimited(containers, 4, async (c) => {
      await stopAndRemove(this.docker, c.id, { callTimeoutMs: this.options.callTimeoutMs, stopTimeoutSec: this.options.stopTimeoutSec }, signal)
    })
  }

  private forget (leaseId: string, containers: readonly ManagedContainer[]): void {
    this.known.delete(leaseId)
    this.ownEvents.delete(leaseId)
    this.eventLog.forget(leaseId)
    for (const c of containers) this.startErrors.delete(c.name)
  }

  private event (leaseId: string, e: Omit<WorkloadEvent, 'time'>): void {
    const list = this.ownEvents.get(leaseId) ?? []
    list.push({ time: this.clock.now(), ...e })
    if (list.length > MAX_EVENTS_PER_LEASE) list.splice(0, list.length - MAX_EVENTS_PER_LEASE)
    this.ownEvents.set(leaseId, list)
  }
}

/**
 * Find the runtime (option, DOCKER_HOST, usual sockets), probe it, and build and start an
 * executor on it (call `stop()` when done).
 * Throws RUNTIME_UNAVAILABLE with what was tried, or BAD_OPTIONS / NETWORK_UNAVAILABLE when the
 * options do not suit the runtime found.
 */
export async function connectExecutor (
  opts: Partial<ExecutorOptions> & { runtime?: RuntimeOptions } = {},
  modules: Omit<ExecutorModules, 'docker' | 'runtime'> = {},
  signal?: AbortSignal
): Promise<WorkloadExecutor> {
  const { runtime: runtimeOpts, ...executorOpts } = opts
  const rt = await connectRuntime(runtimeOpts ?? {}, signal)
  const ex = new WorkloadExecutor(executorOpts, { ...modules, docker: rt.docker, runtime: rt.info })
  ex.start()
  ex.logger.info('container runtime found', { kind: rt.info.kind, version: rt.info.version, apiVersion: rt.info.apiVersion, endpoint: rt.info.endpoint, network: ex.network })
  return ex
}
