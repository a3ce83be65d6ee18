/**
 * Finding and probing the container runtime: anything that speaks the Docker Engine API
 * (Docker, or Podman's `podman system service`).
 */
import { stat } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import Docker from 'dockerode'
import { WorkloadError } from './errors.js'
import { apiMessage, dial, runtimeCall } from './runtime-call.js'

export type RuntimeKind = 'docker' | 'podman'
export type EndpointSource = 'option' | 'DOCKER_HOST' | 'default'

export type RuntimeEndpoint =
  | { transport: 'unix', socketPath: string, source: EndpointSource }
  | { transport: 'tcp', host: string, port: number, source: EndpointSource }

export interface RuntimeOptions {
  /** unix:///path, a plain /path, or tcp://127.0.0.1:PORT. When set, nothing else is tried. */
  endpoint?: string
  /** Environment read for DOCKER_HOST and XDG_RUNTIME_DIR; default process.env. */
  env?: Readonly<Record<string, string | undefined>>
  /** Sockets tried when neither endpoint nor DOCKER_HOST is set; default defaultSocketPaths(env). */
  defaultSockets?: string[]
  probeTimeoutMs?: number
}

export interface RuntimeInfo {
  kind: RuntimeKind
  /** Engine version, e.g. '4.3.1' (Podman) or '27.3.1' (Docker). */
  version: string
  /** Docker Engine API version served, e.g. '1.41'. */
  apiVersion: string
  minApiVersion?: string
  os: string
  arch: string
  kernelVersion?: string
  cgroupVersion?: string
  cgroupDriver?: string
  /** The runtime can enforce memory limits. */
  memoryLimit: boolean
  endpoint: string
}

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000

export function endpointUri (e: RuntimeEndpoint): string {
  return e.transport === 'unix' ? `unix://${e.socketPath}` : `tcp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`
}

function unavailable (message: string, details: Record<string, unknown> = {}): WorkloadError {
  return new WorkloadError('RUNTIME_UNAVAILABLE', message, { details })
}

function isLoopback (host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

/**
 * The forms Docker clients accept, minus the insecure one: the Engine API has no
 * authentication, so plain TCP is accepted on loopback only (a provider reaching a remote
 * engine tunnels it over SSH to a local socket or port).
 */
export function parseEndpoint (value: string, source: EndpointSource): RuntimeEndpoint {
  const where = source === 'DOCKER_HOST' ? `DOCKER_HOST=${value}` : `runtime endpoint "${value}"`
  if (value.startsWith('/')) return { transport: 'unix', socketPath: value, source }
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length)
    if (!path.startsWith('/')) throw unavailable(`${where}: a unix socket needs an absolute path, as in unix:///run/podman/podman.sock`, { endpoint: value })
    return { transport: 'unix', socketPath: path, source }
  }
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    let url: URL
    try {
      url = new URL(value.replace(/^tcp:/, 'http:'))
    } catch {
      throw unavailable(`${where} is not a valid address (expected tcp://127.0.0.1:2375)`, { endpoint: value })
    }
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const port = url.port === '' ? 2375 : Number(url.port)
    if (!isLoopback(host)) {
      throw unavailable(`${where}: the Docker Engine API has no authentication, so only loopback TCP (127.0.0.1, ::1) is accepted; use a unix socket or an SSH tunnel to a local port`, { endpoint: value })
    }
    if (port === 2376) throw unavailable(`${where}: TLS endpoints (port 2376) are not supported; use the unix socket`, { endpoint: value })
    return { transport: 'tcp', host, port, source }
  }
  throw unavailable(`${where}: unsupported scheme (use unix:///path/to/socket or tcp://127.0.0.1:PORT)`, { endpoint: value })
}

/** Docker's system socket, rootful Podman's, then the invoking user's rootless Podman socket. */
export function defaultSocketPaths (env: Readonly<Record<string, string | undefined>>): string[] {
  const out = ['/var/run/docker.sock', '/run/podman/podman.sock']
  const xdg = env.XDG_RUNTIME_DIR
  if (xdg !== undefined && xdg.startsWith('/')) out.push(join(xdg, 'podman', 'podman.sock'))
  const home = env.HOME
  if (home !== undefined && home.startsWith('/')) out.push(join(home, '.docker', 'run', 'docker.sock'))
  return out
}

/**
 * A dockerode client for exactly this endpoint. docker-modem merges DOCKER_HOST, DOCKER_TLS_VERIFY
 * and DOCKER_CLIENT_TIMEOUT from the environment into any options it gets; a tcp DOCKER_HOST
 * would even win over an explicit socketPath. Every such field is set here on purpose.
 */
export function dockerClient (e: RuntimeEndpoint): Docker {
  try {
    return e.transport === 'unix'
      ? new Docker({ socketPath: e.socketPath, host: undefined, port: undefined, protocol: 'http', timeout: undefined })
      : new Docker({ host: e.host, port: e.port, protocol: 'http', socketPath: undefined, timeout: undefined })
  } catch (err) {
    // docker-modem parses DOCKER_HOST in its constructor and throws on a malformed one.
    throw unavailable(`cannot create a runtime client for ${endpointUri(e)}: ${apiMessage(err)}`, { endpoint: endpointUri(e) })
  }
}

interface VersionAnswer {
  Version?: string
  ApiVersion?: string
  MinAPIVersion?: string
  Os?: string
  Arch?: string
  KernelVersion?: string
  Platform?: { Name?: string }
  Components?: Array<{ Name?: string, Version?: string }>
}

interface InfoAnswer {
  CgroupVersion?: string
  CgroupDriver?: string
  MemoryLimit?: boolean
}

/** Version and info from one endpoint, within the deadline. */
export async function probeRuntime (docker: Docker, endpoint: RuntimeEndpoint, opts: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<RuntimeInfo> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const get = async <T>(path: string): Promise<T> => await runtimeCall(path.slice(1), timeoutMs, opts.signal, async (abortSignal) =>
    await dial<T>(docker, { path, method: 'GET', statusCodes: { 200: true, 500: 'server error' } }, abortSignal))
  const v = await get<VersionAnswer>('/version')
  const info = await get<InfoAnswer>('/info')
  const names = [v.Platform?.Name ?? '', ...(v.Components ?? []).map(c => c.Name ?? '')]
  const kind: RuntimeKind = names.some(n => /podman/i.test(n)) ? 'podman' : 'docker'
  const podman = (v.Components ?? []).find(c => /podman/i.test(c.Name ?? ''))
  return {
    kind,
    version: podman?.Version ?? v.Version ?? 'unknown',
    apiVersion: v.ApiVersion ?? 'unknown',
    ...(v.MinAPIVersion !== undefined ? { minApiVersion: v.MinAPIVersion } : {}),
    os: v.Os ?? 'unknown',
    arch: v.Arch ?? 'unknown',
    ...(v.KernelVersion !== undefined ? { kernelVersion: v.KernelVersion } : {}),
    ...(info.CgroupVersion !== undefined ? { cgroupVersion: info.CgroupVersion } : {}),
    ...(info.CgroupDriver !== undefined ? { cgroupDriver: info.CgroupDriver } : {}),
    memoryLimit: info.MemoryLimit !== false,
    endpoint: endpointUri(endpoint)
  }
}

function whyFailed (err: unknown): string {
  if (err instanceof WorkloadError && err.code === 'TIMEOUT') return 'no answer in time'
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : ''
  if (code === 'ENOENT') return 'no such socket'
  if (code === 'EACCES') return 'permission denied (run as root or join the docker group)'
  if (code === 'ECONNREFUSED') return 'nothing is listening'
  return apiMessage(err).slice(0, 200)
}

async function isSocket (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket()
  } catch {
    return false
  }
}

export interface ConnectedRuntime {
  docker: Docker
  info: RuntimeInfo
  endpoint: RuntimeEndpoint
}

/**
 * The first endpoint that answers: the explicit option, else DOCKER_HOST, else the usual
 * sockets that exist. RUNTIME_UNAVAILABLE lists every place tried and why it failed.
 */
export async function connectRuntime (opts: RuntimeOptions = {}, signal?: AbortSignal): Promise<ConnectedRuntime> {
  const env = opts.env ?? process.env
  const timeoutMs = opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const candidates: RuntimeEndpoint[] = []
  const tried: string[] = []
  if (opts.endpoint !== undefined && opts.endpoint !== '') {
    candidates.push(parseEndpoint(opts.endpoint, 'option'))
  } else if (env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== '') {
    candidates.push(parseEndpoint(env.DOCKER_HOST, 'DOCKER_HOST'))
  } else {
    for (const p of opts.defaultSockets ?? defaultSocketPaths(env)) {
      if (await isSocket(p)) candidates.push({ transport: 'unix', socketPath: p, source: 'default' })
      else tried.push(`${p} (absent)`)
    }
  }
  for (const e of candidates) {
    try {
      const docker = dockerClient(e)
      const info = await probeRuntime(docker, e, { timeoutMs, ...(signal !== undefined ? { signal } : {}) })
      return { docker, info, endpoint: e }
    } catch (err) {
      if (signal?.aborted === true) throw err
      tried.push(`${endpointUri(e)}${e.source === 'DOCKER_HOST' ? ' (DOCKER_HOST)' : ''} (${whyFailed(err)})`)
    }
  }
  throw unavailable(
    `no container runtime answered: tried ${tried.join(', ')}. Start Docker, or Podman's API service ` +
    '(`podman system service --time=0 unix:///run/podman/podman.sock`), and point DOCKER_HOST or the runtime endpoint option at its socket',
    { tried }
  )
}
