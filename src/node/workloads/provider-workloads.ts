import type { NoBidReason } from '../../market/index.js'
import type { Manifest } from '../../sdl/manifest.js'
import { errorMessage } from '../../util/errors.js'
import type { Logger } from '../../util/logger.js'
import {
  WorkloadError, connectExecutor, workloadManifestFromSdl,
  type LeaseStatus, type LogLine, type WorkloadExecutor, type WorkloadManifest
} from '../../workload/index.js'
import type { ResourceUnit } from '../../sdl/types.js'

export interface ProviderWorkloadsOptions {
  /** 'run': containers on a Docker Engine API runtime; 'off': accept leases, run nothing */
  mode: 'run' | 'off'
  /** explicit runtime endpoint; undefined: DOCKER_HOST or the usual sockets */
  endpoint?: string
  /** host address global ports are published on */
  publishHost: string
  pullPolicy?: 'always' | 'if-not-present' | 'never'
  allowedRegistries?: string[]
  /** how long finding and probing the runtime may take at start */
  probeTimeoutMs: number
}

// a busy host answers its first runtime call slowly (Podman: 300-430 ms idle, seconds under load);
// a missing socket fails at once, so only a slow runtime waits this long
export const defaultProviderWorkloadsOptions = { probeTimeoutMs: 15_000 }

/** What a lease's workload needs from the market: the order's group and units, the stored manifest. */
export interface LeaseWorkload {
  leaseId: string
  tenant: string
  /** the order's placement group name (its manifest group) */
  group: string
  /** the order's resource units: the containers never get more than the lease bought */
  resources: ResourceUnit[]
  /** the deployment's canonical manifest JSON (all groups), as delivered by the tenant */
  manifestJson: string
}

/**
 * A provider's leases as running containers (src/workload): finds the runtime at start (or
 * says why there is none), deploys a lease when its manifest arrives (before the LeaseAccept:
 * an accepted lease has its services created), removes it when the lease ends, reconciles
 * after a restart, and answers status and logs.
 */
export class ProviderWorkloads {
  private executor: WorkloadExecutor | undefined
  private unavailable: string | undefined
  private readonly opts: ProviderWorkloadsOptions

  constructor (opts: Omit<ProviderWorkloadsOptions, keyof typeof defaultProviderWorkloadsOptions> & Partial<ProviderWorkloadsOptions>, private readonly modules: { logger: Logger }) {
    this.opts = { ...defaultProviderWorkloadsOptions, ...opts }
  }

  async start (): Promise<void> {
    if (this.opts.mode === 'off') {
      this.modules.logger.warn('workloads are off (provider.workloads: off): leases are accepted, nothing is run')
      return
    }
    try {
      this.executor = await connectExecutor({
        hostIp: this.opts.publishHost,
        ...(this.opts.pullPolicy !== undefined ? { pullPolicy: this.opts.pullPolicy } : {}),
        ...(this.opts.allowedRegistries !== undefined ? { allowedRegistries: this.opts.allowedRegistries } : {}),
        ...(this.opts.endpoint !== undefined ? { runtime: { endpoint: this.opts.endpoint } } : {})
      }, { logger: this.modules.logger }, AbortSignal.timeout(this.opts.probeTimeoutMs))
    } catch (err) {
      this.unavailable = errorMessage(err)
      this.modules.logger.warn('no usable container runtime: this provider will not bid', { reason: this.unavailable })
    }
  }

  stop (): void {
    this.executor?.stop()
  }

  get mode (): 'run' | 'off' { return this.opts.mode }

  /** "podman 4.3.1", "off" (workloads off), or "none" (no usable runtime): announced with the inventory. */
  runtimeLabel (): string {
    if (this.opts.mode === 'off') return 'off'
    const info = this.executor?.runtime
    return info === undefined ? 'none' : `${info.kind} ${info.version}`.slice(0, 64)
  }

  /** Why this provider cannot serve any lease now, if it cannot (a NoBid reason). */
  readiness (): NoBidReason | undefined {
    if (this.opts.mode === 'off' || this.executor !== undefined) return undefined
    return { code: 'RUNTIME_UNAVAILABLE', message: `this provider has no usable container runtime: ${this.unavailable ?? 'not probed yet'}` }
  }

  /** The containers of a lease, from its manifest; throws WorkloadError (the tenant sees its message). */
  manifestOf (w: LeaseWorkload): WorkloadManifest {
    let manifest: Manifest
    try {
      manifest = JSON.parse(w.manifestJson) as Manifest
    } catch {
      throw new WorkloadError('INVALID_MANIFEST', 'the delivered manifest is not JSON')
    }
    const group = Array.isArray(manifest) ? manifest.find((g) => g?.name === w.group) : undefined
    if (group === undefined) throw new WorkloadError('INVALID_MANIFEST', `the manifest has no group ${JSON.stringify(w.group)}`)
    return workloadManifestFromSdl({ leaseId: w.leaseId, tenant: w.tenant, group, resources: w.resources })
  }

  /** Create and start a lease's services (idempotent: what exists is adopted). */
  async deploy (w: LeaseWorkload): Promise<void> {
    if (this.opts.mode === 'off') return
    const ex = this.need()
    const r = await ex.deploy(this.manifestOf(w))
    if (r.failed.length > 0) {
      const f = r.failed[0]
      throw new WorkloadError('RUNTIME_ERROR', `${f?.name ?? 'a container'} did not start: ${f?.message ?? 'unknown error'}`)
    }
  }

  /** Stop and remove everything of a lease; a lease with nothing running is fine. */
  async close (leaseId: string): Promise<void> {
    if (this.executor === undefined) return
    try {
      await this.executor.close(leaseId)
    } catch (err) {
      this.modules.logger.warn('closing a lease\'s containers failed', { leaseId, error: errorMessage(err) })
    }
  }

  /** After a restart: adopt what runs, start what is missing, remove orphans. */
  async reconcile (active: LeaseWorkload[]): Promise<void> {
    if (this.executor === undefined) return
    const manifests: WorkloadManifest[] = []
    for (const w of active) {
      try { manifests.push(this.manifestOf(w)) } catch (err) { this.modules.logger.warn('lease manifest unusable', { leaseId: w.leaseId, error: errorMessage(err) }) }
    }
    try {
      const r = await this.executor.reconcile(manifests)
      this.modules.logger.info('leases reconciled with the runtime', { leases: manifests.length, detail: JSON.stringify(r).slice(0, 400) })
    } catch (err) {
      this.modules.logger.warn('reconcile failed', { error: errorMessage(err) })
    }
  }

  /** The lease's services, and one state the lease follows: deploying, running, failed: <reason>. */
  async status (leaseId: string): Promise<LeaseStatus & { state: string }> {
    const s = await this.need().status(leaseId)
    return { ...s, state: workloadState(s) }
  }

  /** Logged lines of a lease (not followed), at most `tail` per replica. */
  async logs (leaseId: string, opts: { service?: string, tail?: number }): Promise<LogLine[]> {
    const out: LogLine[] = []
    for await (const l of this.need().logs(leaseId, { ...opts, timestamps: true, follow: false })) out.push(l)
    return out
  }

  private need (): WorkloadExecutor {
    if (this.executor === undefined) {
      throw new WorkloadError(this.opts.mode === 'off' ? 'UNSUPPORTED' : 'RUNTIME_UNAVAILABLE', this.opts.mode === 'off' ? 'this provider runs no workloads (provider.workloads: off)' : `no container runtime: ${this.unavailable ?? 'not started'}`)
    }
    return this.executor
  }
}

/** One word for a lease's workload: running when every replica is, failed with the first reason, else deploying. */
export function workloadState (s: LeaseStatus): string {
  if (s.ready && s.services.length > 0) return 'running'
  for (const svc of s.services) {
    for (const r of svc.replicas) {
      if (r.state === 'failed') return `failed: ${svc.name}[${r.replica}] ${r.reason ?? r.error ?? `exit ${r.exitCode ?? '?'}`}`
    }
  }
  return s.services.length === 0 ? 'gone' : 'deploying'
}
