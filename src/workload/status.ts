/**
 * Pure mapping from what the runtime reports (container inspect, events) to the status a tenant
 * reads. Kept apart from the executor so every exit code and state is unit-tested.
 */
import type Docker from 'dockerode'
import { parseImageRef } from './image-ref.js'
import { LABEL_COUNT, LABEL_HOST_PORTS, LABEL_REPLICA, LABEL_SERVICE, parseHostPorts } from './labels.js'
import type { WorkloadExpose, WorkloadManifest } from './manifest.js'

export type ReplicaState = 'running' | 'restarting' | 'created' | 'completed' | 'failed' | 'paused' | 'missing' | 'removing'

/**
 * Why a replica's process ended.
 * 137 is SIGKILL: the memory-cgroup OOM killer's signal. On cgroup-v1 hosts State.OOMKilled stays
 * false after a limit kill (seen with Podman 4.3 here), and the executor never SIGKILLs a
 * replica it keeps (its stops end in removal), so 137 is reported as oom-killed.
 */
export type ExitReason =
  | 'completed' | 'error' | 'oom-killed' | 'terminated' | 'interrupted' | 'segfault'
  | 'command-not-executable' | 'command-not-found' | 'signal' | 'start-failed'

export interface LeaseEndpoint {
  service: string
  replica: number
  /** Container side. */
  port: number
  proto: 'tcp' | 'udp'
  host: string
  hostPort: number
  /** http://host:port for HTTP (port or `as` 80), else tcp:// or udp://. */
  uri: string
  /** The tenant's `accept` host names (no ingress routes them yet). */
  hosts: string[]
}

export interface ReplicaStatus {
  replica: number
  name: string
  containerId?: string
  state: ReplicaState
  restarts: number
  exitCode?: number
  reason?: ExitReason
  /** The runtime's error text (a start failure), trimmed. */
  error?: string
  startedAt?: string
  finishedAt?: string
  endpoints: LeaseEndpoint[]
}

export interface WorkloadEvent {
  /** ms since epoch */
  time: number
  service: string
  replica?: number
  /** create, start, die, oom, restart, stop, kill, remove, pulled, start-failed, replaced… */
  action: string
  exitCode?: number
  reason?: ExitReason
  message?: string
}

export type ServiceState = 'ready' | 'progressing' | 'degraded' | 'failed' | 'completed'

export interface ServiceStatus {
  name: string
  image: string
  desired: number
  /** Replicas running. */
  ready: number
  restarts: number
  state: ServiceState
  replicas: ReplicaStatus[]
  endpoints: LeaseEndpoint[]
  lastEvents: WorkloadEvent[]
}

export interface LeaseStatus {
  leaseId: string
  services: ServiceStatus[]
  /** Every replica of every service is running. */
  ready: boolean
}

export function exitReason (exitCode: number, oomKilled: boolean): ExitReason {
  if (oomKilled || exitCode === 137) return 'oom-killed'
  if (exitCode === 0) return 'completed'
  if (exitCode === 143) return 'terminated'
  if (exitCode === 130) return 'interrupted'
  if (exitCode === 139) return 'segfault'
  if (exitCode === 126) return 'command-not-executable'
  if (exitCode === 127) return 'command-not-found'
  if (exitCode > 128 && exitCode < 160) return 'signal'
  return 'error'
}

function realTime (t: string | undefined): string | undefined {
  return t === undefined || t === '' || t.startsWith('0001-01-01') ? undefined : t
}

export function endpointUri (host: string, hostPort: number, proto: 'tcp' | 'udp', expose: Pick<WorkloadExpose, 'port' | 'as'> | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host
  const http = proto === 'tcp' && expose !== undefined && (expose.as === 80 || (expose.as === 0 && expose.port === 80))
  return `${http ? 'http' : proto}://${h}:${hostPort}`
}

export interface ReplicaContext {
  host: string
  /** The service's exposes, for URI schemes and accept hosts; from the manifest when known. */
  exposes: readonly WorkloadExpose[]
  /** A start failure this process saw (the runtime keeps none for some failures). */
  startError?: string
}

function willRestart (info: Docker.ContainerInspectInfo, exitCode: number): boolean {
  const p = info.HostConfig?.RestartPolicy
  return p?.Name === 'on-failure' && exitCode !== 0 && (info.RestartCount ?? 0) < (p.MaximumRetryCount ?? 0)
}

/** One replica from `container inspect`. */
export function replicaFromInspect (info: Docker.ContainerInspectInfo, ctx: ReplicaContext): ReplicaStatus {
  const labels = info.Config.Labels ?? {}
  const s = info.State
  const runtimeError = (s.Error ?? '').trim()
  const startError = runtimeError !== '' ? runtimeError : ctx.startError
  let state: ReplicaState
  let reason: ExitReason | undefined
  switch (s.Status) {
    case 'running': state = 'running'; break
    case 'restarting': state = 'restarting'; break
    case 'paused': state = 'paused'; break
    case 'removing': state = 'removing'; break
    case 'exited': case 'dead': case 'stopped':
      // Exit 0 without ever starting is a start that failed, not a job that completed.
      reason = startError !== undefined && s.ExitCode === 0 && realTime(s.StartedAt) === undefined ? 'start-failed' : exitReason(s.ExitCode, s.OOMKilled)
      // Podman shows a replica between a failure and its on-failure restart as exited (Docker
      // as restarting): with retries left it is not failed yet.
      state = reason === 'completed' ? 'completed' : willRestart(info, s.ExitCode) ? 'restarting' : 'failed'
      break
    default:
      // created, or Podman's configured: never started, or its start failed
      if (startError !== undefined) {
        state = 'failed'
        reason = 'start-failed'
      } else {
        state = 'created'
      }
  }
  const service = labels[LABEL_SERVICE] ?? ''
  const replica = Number(labels[LABEL_REPLICA] ?? '0')
  const out: ReplicaStatus = {
    replica,
    name: info.Name.replace(/^\//, ''),
    containerId: info.Id,
    state,
    restarts: info.RestartCount ?? 0,
    endpoints: endpointsFromLabel(labels[LABEL_HOST_PORTS], service, replica, ctx.host, ctx.exposes)
  }
  // A running container's ExitCode is reset to 0 on restart: earlier exits are in the events.
  if (state === 'failed' || state === 'completed' || (state === 'restarting' && s.ExitCode !== 0)) {
    out.exitCode = s.ExitCode
    if (reason !== undefined) out.reason = reason
  }
  if (state === 'failed' && startError !== undefined) out.error = startError.slice(0, 500)
  const started = realTime(s.StartedAt)
  const finished = realTime(s.FinishedAt)
  if (started !== undefined) out.startedAt = started
  if (finished !== undefined && state !== 'running') out.finishedAt = finished
  return out
}

export function endpointsFromLabel (label: string | undefined, service: string, replica: number, host: string, exposes: readonly WorkloadExpose[]): LeaseEndpoint[] {
  return parseHostPorts(label).map(p => {
    const e = exposes.find(x => x.port === p.containerPort && (x.proto === 'UDP' ? 'udp' : 'tcp') === p.proto)
    return {
      service,
      replica,
      port: p.containerPort,
      proto: p.proto,
      host,
      hostPort: p.hostPort,
      uri: endpointUri(host, p.hostPort, p.proto, e),
      hosts: e?.hosts ?? []
    }
  })
}

export function countFromLabels (labels: Record<string, string> | undefined): number | undefined {
  const n = Number(labels?.[LABEL_COUNT])
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

export function serviceState (desired: number, replicas: readonly ReplicaStatus[]): ServiceState {
  const running = replicas.filter(r => r.state === 'running').length
  if (running >= desired && desired > 0) return 'ready'
  if (replicas.length > 0 && replicas.every(r => r.state === 'completed')) return 'completed'
  if (replicas.some(r => r.state === 'failed')) return running > 0 ? 'degraded' : 'failed'
  return 'progressing'
}

export interface StatusInput {
  leaseId: string
  /** The manifest, when this process deployed or reconciled the lease: names missing replicas. */
  manifest: WorkloadManifest | undefined
  replicas: ReadonlyArray<{ labels: Record<string, string>, info: Docker.ContainerInspectInfo, startError: string | undefined }>
  events: readonly WorkloadEvent[]
  host: string
  eventsPerService: number
}

/**
 * A lease's status from its inspected containers. Services come from the manifest when known,
 * else from the labels (`skymesh.count` gives the desired count after a restart); slots with
 * no container are `missing`.
 */
export function assembleLeaseStatus (input: StatusInput): LeaseStatus {
  const { manifest } = input
  const byService = new Map<string, ReplicaStatus[]>()
  const images = new Map<string, string>()
  const counts = new Map<string, number>()
  for (const { labels, info, startError } of input.replicas) {
    const service = labels[LABEL_SERVICE] ?? ''
    const svc = manifest?.services.find(s => s.name === service)
    const r = replicaFromInspect(info, { host: input.host, exposes: svc?.expose ?? [], ...(startError !== undefined ? { startError } : {}) })
    byService.set(service, [...(byService.get(service) ?? []), r])
    if (!images.has(service)) images.set(service, info.Config.Image)
    const n = countFromLabels(labels)
    if (n !== undefined) counts.set(service, Math.max(counts.get(service) ?? 0, n))
  }
  const events = [...input.events].sort((a, b) => a.time - b.time)
  const names = [...(manifest?.services.map(s => s.name) ?? []), ...[...byService.keys()].filter(n => manifest?.services.every(s => s.name !== n) ?? true)]
  const services: ServiceStatus[] = names.map((name) => {
    const svc = manifest?.services.find(s => s.name === name)
    const have = byService.get(name) ?? []
    const desired = svc?.count ?? counts.get(name) ?? have.length
    const list: ReplicaStatus[] = [...have]
    for (let i = 0; i < desired; i++) {
      if (!have.some(r => r.replica === i)) list.push({ replica: i, name: '', state: 'missing', restarts: 0, endpoints: [] })
    }
    list.sort((a, b) => a.replica - b.replica)
    return {
      name,
      image: svc !== undefined ? parseImageRef(svc.image).full : images.get(name) ?? '',
      desired,
      ready: list.filter(r => r.state === 'running').length,
      restarts: list.reduce((a, r) => a + r.restarts, 0),
      state: serviceState(desired, list),
      replicas: list,
      endpoints: list.flatMap(r => r.endpoints),
      lastEvents: events.filter(e => e.service === name).slice(-input.eventsPerService)
    }
  })
  return { leaseId: input.leaseId, services, ready: services.every(s => s.state === 'ready') }
}

interface RuntimeEvent {
  Type?: string
  Action?: string
  status?: string
  time?: number
  timeNano?: number
  Actor?: { Attributes?: Record<string, string> }
}

/** A Docker/Podman event of a managed container → WorkloadEvent; other events → undefined. */
export function eventFromRuntime (e: RuntimeEvent): WorkloadEvent | undefined {
  if (e.Type !== undefined && e.Type !== 'container') return undefined
  const attrs = e.Actor?.Attributes ?? {}
  const service = attrs[LABEL_SERVICE]
  if (service === undefined) return undefined
  // Docker reports `exec_start: sh -c …` style actions: keep the verb only.
  const action = (e.Action ?? e.status ?? '').split(':')[0]?.trim() ?? ''
  if (action === '' || /^(exec|attach|resize|top|archive|health|init|cleanup|commit|copy|export|mount|unmount|sync)/.test(action)) return undefined
  const time = e.timeNano !== undefined ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000
  const out: WorkloadEvent = { time, service, action }
  const replica = Number(attrs[LABEL_REPLICA])
  if (Number.isSafeInteger(replica)) out.replica = replica
  if (action === 'die' && attrs.exitCode !== undefined) {
    const code = Number(attrs.exitCode)
    if (Number.isSafeInteger(code)) {
      out.exitCode = code
      out.reason = exitReason(code, false)
    }
  }
  if (action === 'oom') out.reason = 'oom-killed'
  return out
}
