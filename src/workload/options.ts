import { isIP } from 'node:net'
import { WorkloadError } from './errors.js'

/**
 * How tenant containers reach the network.
 * - auto: slirp4netns on Podman, bridge on Docker (see resolveNetworkMode);
 * - slirp4netns: own network namespace, user-mode networking; ports published by slirp4netns
 *   (Podman only). Needs no bridge, iptables or ip_forward: the mode for hosts like our CI VM;
 * - bridge: the runtime's default bridge (Docker's docker0);
 * - lease: one user-defined bridge network per lease, services reach each other by name;
 *   Docker only (see docs/workload.md);
 * - none: no network at all, no endpoints;
 * - host: the host's network stack. Tenant code then sees every host interface and may bind
 *   any port: refused unless allowHostNetwork.
 */
export type NetworkModeOption = 'auto' | 'slirp4netns' | 'bridge' | 'lease' | 'none' | 'host'
export type NetworkMode = Exclude<NetworkModeOption, 'auto'>

export type PullPolicy = 'always' | 'if-not-present' | 'never'

export interface RestartPolicyOption {
  name: 'no' | 'on-failure' | 'always'
  /** on-failure only: restarts before the replica stays failed. */
  maxRetries: number
}

export interface ExecutorOptions {
  network: NetworkModeOption
  allowHostNetwork: boolean
  /** Host address global ports are published on. */
  hostIp: string
  /** Host name in endpoint URIs (the provider's public name); default: hostIp. */
  advertiseHost?: string
  /** Host ports for global exposes come from here, checked free before use. */
  portRange: { min: number, max: number }
  pullPolicy: PullPolicy
  /** Registry hosts images may come from ('docker.io', 'ghcr.io', 'localhost'…); '*' = any. */
  allowedRegistries: string[]
  /** Read-only root filesystem with tmpfs at tmpfsPaths; false for images that write anywhere. */
  readonlyRootfs: boolean
  tmpfsPaths: string[]
  /** Capabilities added after dropping ALL. Empty by default: see docs/workload.md. */
  capAdd: string[]
  /** Let root in the container bind ports below 1024 without CAP_NET_BIND_SERVICE (own netns only). */
  unprivilegedLowPorts: boolean
  pidsLimit: number
  restartPolicy: RestartPolicyOption
  /** SIGTERM → SIGKILL grace on stop. */
  stopTimeoutSec: number
  /** Every runtime call but pulls and stops. */
  callTimeoutMs: number
  pullTimeoutMs: number
  maxServicesPerLease: number
  maxReplicasPerLease: number
  /** Runtime events looked back over for status (seconds). */
  eventsWindowSec: number
  eventsPerService: number
}

export const defaultExecutorOptions: ExecutorOptions = {
  network: 'auto',
  allowHostNetwork: false,
  hostIp: '127.0.0.1',
  // Kubernetes' NodePort range, where Akash providers publish random ports too.
  portRange: { min: 30000, max: 32767 },
  // Kubernetes' default for tagged images: a present image is not fetched again.
  pullPolicy: 'if-not-present',
  allowedRegistries: ['*'],
  readonlyRootfs: true,
  tmpfsPaths: ['/tmp'],
  capAdd: [],
  unprivilegedLowPorts: true,
  // Far above what a web service forks, low enough that a fork bomb stays inside its lease.
  pidsLimit: 1024,
  // Podman restarts without back-off, so a crash loop must end: Kubernetes' back-off is not there.
  restartPolicy: { name: 'on-failure', maxRetries: 5 },
  stopTimeoutSec: 5,
  // The first call after a Podman service starts takes 300-430 ms (lazy runtime init).
  callTimeoutMs: 15_000,
  pullTimeoutMs: 10 * 60_000,
  maxServicesPerLease: 20,
  maxReplicasPerLease: 50,
  eventsWindowSec: 24 * 3600,
  eventsPerService: 10
}

const CAP = /^[A-Z][A-Z0-9_]*$/

export function resolveExecutorOptions (partial: Partial<ExecutorOptions> = {}): ExecutorOptions {
  const o: ExecutorOptions = { ...defaultExecutorOptions, ...partial }
  const fail = (msg: string, key: string): never => { throw new WorkloadError('BAD_OPTIONS', msg, { details: { key } }) }
  if (isIP(o.hostIp) === 0) fail(`hostIp "${o.hostIp}" is not an IP address`, 'hostIp')
  // An endpoint URI of 0.0.0.0 tells the tenant nothing: say which name reaches this host.
  if ((o.hostIp === '0.0.0.0' || o.hostIp === '::') && (o.advertiseHost === undefined || o.advertiseHost === '')) {
    fail(`hostIp ${o.hostIp} publishes on every address: set advertiseHost to the name or address tenants use`, 'advertiseHost')
  }
  const { min, max } = o.portRange
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) fail(`portRange ${min}-${max} is not within 1-65535`, 'portRange')
  if (!o.tmpfsPaths.every(p => p.startsWith('/') && !p.split('/').includes('..'))) fail('tmpfsPaths must be absolute paths', 'tmpfsPaths')
  if (!o.capAdd.every(c => CAP.test(c.replace(/^CAP_/, '')))) fail('capAdd holds names like NET_BIND_SERVICE', 'capAdd')
  if (o.capAdd.some(c => /^(CAP_)?(ALL|SYS_ADMIN)$/.test(c))) fail('capAdd must not grant ALL or SYS_ADMIN to tenant code', 'capAdd')
  if (!Number.isInteger(o.pidsLimit) || o.pidsLimit < 16) fail('pidsLimit must be at least 16', 'pidsLimit')
  if (o.network === 'host' && !o.allowHostNetwork) fail('network "host" gives tenant code the host network; set allowHostNetwork to allow it', 'network')
  if (o.allowedRegistries.length === 0) fail('allowedRegistries is empty: no image could run (use ["*"] for any)', 'allowedRegistries')
  for (const [k, v] of [['stopTimeoutSec', o.stopTimeoutSec], ['callTimeoutMs', o.callTimeoutMs], ['pullTimeoutMs', o.pullTimeoutMs]] as const) {
    if (!Number.isFinite(v) || v < 0) fail(`${k} must be a non-negative number`, k)
  }
  return o
}

/** `auto` and the runtime's abilities → the mode containers get. */
export function resolveNetworkMode (o: Pick<ExecutorOptions, 'network' | 'allowHostNetwork'>, runtimeKind: 'docker' | 'podman'): NetworkMode {
  if (o.network === 'host' && !o.allowHostNetwork) {
    throw new WorkloadError('BAD_OPTIONS', 'network "host" gives tenant code the host network; set allowHostNetwork to allow it', { details: { key: 'network' } })
  }
  if (o.network === 'auto') return runtimeKind === 'podman' ? 'slirp4netns' : 'bridge'
  if (o.network === 'slirp4netns' && runtimeKind !== 'podman') {
    throw new WorkloadError('NETWORK_UNAVAILABLE', 'network "slirp4netns" needs Podman; Docker offers "bridge" or "lease"', { details: { key: 'network' } })
  }
  if (o.network === 'lease' && runtimeKind === 'podman') {
    // Podman 4.3's compat API creates the network but cannot attach containers to it when
    // its bridge plugins are absent (our guard) and would otherwise change the host's
    // iptables and ip_forward: see docs/workload.md.
    throw new WorkloadError('NETWORK_UNAVAILABLE', 'network "lease" (one network per lease, services reach each other by name) needs Docker; with Podman use "slirp4netns"', { details: { key: 'network' } })
  }
  return o.network
}
