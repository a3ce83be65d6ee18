/**
 * The runtime objects of leases: listing by label, create/start/stop/remove, lease networks. Each function is one or a few Engine API calls with a deadline; callers decide policy.
 */
import type Docker from 'dockerode'
import { WorkloadError } from './errors.js'
import {
  LABEL_HOST_PORTS, LABEL_LEASE, LABEL_MANAGED, LABEL_REPLICA, LABEL_SERVICE, LABEL_SPEC, MANAGED_FILTER,
  leaseNetworkName, parseHostPorts
} from './labels.js'
import type { HostPortLabel } from './labels.js'
import type { ReplicaPlan } from './plan.js'
import { apiMessage, asWorkloadError, dial, runtimeCall, statusOf } from './runtime-call.js'

export type ContainerDocker = Pick<Docker, 'modem' | 'getContainer' | 'listContainers' | 'createNetwork' | 'getNetwork' | 'listNetworks'>

export interface CallTimeouts {
  callTimeoutMs: number
  stopTimeoutSec: number
}

export interface ManagedContainer {
  id: string
  name: string
  /** As listed: running, exited, created, restarting, paused, dead (Podman also: stopped, configured). */
  state: string
  leaseId: string
  service: string
  replica: number
  spec: string
  hostPorts: HostPortLabel[]
  labels: Record<string, string>
}

/** States after which `start` is needed for the replica to run again. */
export function isStopped (state: string): boolean {
  return state === 'exited' || state === 'dead' || state === 'stopped'
}

export function isNotStarted (state: string): boolean {
  return state === 'created' || state === 'configured'
}

/**
 * Containers carrying every label given (`key=value`), running or not. The filter is applied
 * again here: a runtime that ORs label filters must never make us touch someone else's object.
 */
export async function listManaged (docker: ContainerDocker, labels: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<ManagedContainer[]> {
  const all = labels.includes(MANAGED_FILTER) ? labels : [MANAGED_FILTER, ...labels]
  let list: Docker.ContainerInfo[]
  try {
    list = await runtimeCall('container list', timeoutMs, signal, async (abortSignal) =>
      await docker.listContainers({ all: true, filters: { label: [...all] }, abortSignal }))
  } catch (err) {
    throw asWorkloadError(err, 'container list')
  }
  const want = all.map(l => { const i = l.indexOf('='); return [l.slice(0, i), l.slice(i + 1)] as const })
  const out: ManagedContainer[] = []
  for (const c of list) {
    const lb = c.Labels ?? {}
    if (!want.every(([k, v]) => lb[k] === v) || lb[LABEL_MANAGED] !== '1') continue
    const replica = Number(lb[LABEL_REPLICA])
    out.push({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''),
      state: c.State ?? 'unknown',
      leaseId: lb[LABEL_LEASE] ?? '',
      service: lb[LABEL_SERVICE] ?? '',
      replica: Number.isSafeInteger(replica) ? replica : -1,
      spec: lb[LABEL_SPEC] ?? '',
      hostPorts: parseHostPorts(lb[LABEL_HOST_PORTS]),
      labels: lb
    })
  }
  return out.sort((a, b) => a.service < b.service ? -1 : a.service > b.service ? 1 : a.replica - b.replica)
}

/** Create from a plan; the body goes in the request body only (see `dial`). */
export async function createFromPlan (docker: ContainerDocker, plan: ReplicaPlan, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const { name, ...body } = plan.create
  try {
    const res = await runtimeCall('container create', timeoutMs, signal, async (abortSignal) => await dial<{ Id: string }>(docker, {
      path: '/containers/create',
      method: 'POST',
      query: { name: name ?? plan.name },
      body,
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' }
    }, abortSignal))
    return res.Id
  } catch (err) {
    // Compat create never pulls: a 404 is an image that vanished after ensureImage.
    if (statusOf(err) === 404) {
      throw new WorkloadError('IMAGE_NOT_FOUND', `image ${plan.image.full} is not on this provider`, { details: { image: plan.image.full }, cause: err })
    }
    throw asWorkloadError(err, `create of ${plan.name}`)
  }
}

export async function startContainer (docker: ContainerDocker, id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  await runtimeCall('container start', timeoutMs, signal, async (abortSignal) => { await docker.getContainer(id).start({ abortSignal }) })
}

export async function inspectContainer (docker: ContainerDocker, id: string, timeoutMs: number, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await runtimeCall('container inspect', timeoutMs, signal, async (abortSignal) => await docker.getContainer(id).inspect({ abortSignal }))
  } catch (err) {
    if (statusOf(err) === 404) return undefined
    throw asWorkloadError(err, 'container inspect')
  }
}

/** Graceful stop (SIGTERM, then SIGKILL after stopTimeoutSec), then removal with its anonymous volumes. */
export async function stopAndRemove (docker: ContainerDocker, id: string, t: CallTimeouts, signal?: AbortSignal): Promise<void> {
  const c = docker.getContainer(id)
  try {
    await runtimeCall('container stop', t.stopTimeoutSec * 1000 + t.callTimeoutMs, signal, async (abortSignal) => { await c.stop({ t: t.stopTimeoutSec, abortSignal }) })
  } catch (err) {
    // 304 (not running), 404 (gone), a timeout: the forced removal below settles all of them.
    if (signal?.aborted === true) throw err
  }
  try {
    await runtimeCall('container remove', t.callTimeoutMs, signal, async (abortSignal) => { await c.remove({ force: true, v: true, abortSignal }) })
  } catch (err) {
    if (statusOf(err) === 404) return
    throw asWorkloadError(err, 'container remove')
  }
}

/** Run `fn` over items, at most `limit` at a time; the first error wins once all settled. */
export async function forEachLimited<T> (items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const errors: unknown[] = []
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      try {
        await fn(item)
      } catch (err) {
        errors.push(err)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (errors.length > 0) throw errors[0]
}

export async function ensureLeaseNetwork (docker: ContainerDocker, leaseId: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const name = leaseNetworkName(leaseId)
  try {
    const existing = await runtimeCall('network list', timeoutMs, signal, async (abortSignal) =>
      await docker.listNetworks({ filters: { label: [MANAGED_FILTER, `${LABEL_LEASE}=${leaseId}`] }, abortSignal }))
    if (existing.some(n => n.Name === name && n.Labels?.[LABEL_LEASE] === leaseId)) return name
    await runtimeCall('network create', timeoutMs, signal, async (abortSignal) => await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Internal: false,
      Labels: { [LABEL_MANAGED]: '1', [LABEL_LEASE]: leaseId },
      abortSignal
    }))
    return name
  } catch (err) {
    if (err instanceof WorkloadError && err.code !== 'RUNTIME_ERROR') throw err
    throw new WorkloadError('NETWORK_UNAVAILABLE', `cannot create network ${name} for lease ${leaseId}: ${apiMessage(err).slice(0, 300)}`, { details: { leaseId }, cause: err })
  }
}

/** Managed networks, optionally of one lease: name and lease id. */
export async function listManagedNetworks (docker: ContainerDocker, leaseId: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Array<{ id: string, name: string, leaseId: string }>> {
  const label = leaseId === undefined ? [MANAGED_FILTER] : [MANAGED_FILTER, `${LABEL_LEASE}=${leaseId}`]
  try {
    const list = await runtimeCall('network list', timeoutMs, signal, async (abortSignal) => await docker.listNetworks({ filters: { label }, abortSignal }))
    return list
      .filter(n => n.Labels?.[LABEL_MANAGED] === '1' && (leaseId === undefined || n.Labels[LABEL_LEASE] === leaseId))
      .map(n => ({ id: n.Id, name: n.Name, leaseId: n.Labels?.[LABEL_LEASE] ?? '' }))
  } catch (err) {
    throw asWorkloadError(err, 'network list')
  }
}

export async function removeNetwork (docker: ContainerDocker, id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  try {
    await runtimeCall('network remove', timeoutMs, signal, async (abortSignal) => { await docker.getNetwork(id).remove({ abortSignal }) })
  } catch (err) {
    if (statusOf(err) === 404) return
    throw asWorkloadError(err, 'network remove')
  }
}
