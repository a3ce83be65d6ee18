/**
 * Executor timing on a real runtime: `npm run bench:executor`. Starts its own private Podman
 * service (scripts/podman-ci.sh, removed at the end), then prints `name: value unit` lines:
 * - lease_to_first_http: from deploy() of a one-service lease (small image present) to the
 *   first HTTP 200 on its endpoint from the host;
 * - runtime_create_start_remove_per_service: deploy() + close() of a one-replica service.
 * Skips with a message (exit 0) when not root or podman is not installed.
 */
import { connectExecutor } from '../src/workload/index.js'
import type { WorkloadExecutor, WorkloadManifest } from '../src/workload/index.js'
import { TINY_IMAGE, podmanSkipReason, startPodman } from '../test/helpers/podman.js'
import type { PodmanService } from '../test/helpers/podman.js'

const HTTP_RUNS = 20
const CYCLE_RUNS = 10
const MiB = 1024 * 1024

function pct (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0
}

function line (name: string, value: string | number, unit: string, note = ''): void {
  process.stdout.write(`${name}: ${value} ${unit}${note !== '' ? ` ${note}` : ''}\n`)
}

function lease (id: string, http: boolean): WorkloadManifest {
  return {
    leaseId: id,
    tenant: 'bench',
    services: [{
      name: 'web',
      image: TINY_IMAGE,
      command: http ? ['/bin/httpd'] : ['/bin/sh'],
      args: http ? ['-f', '-p', '80', '-h', '/www'] : ['-c', 'exec sleep 3600'],
      env: [],
      count: 1,
      cpuMillicores: 500,
      memoryBytes: 64 * MiB,
      storageBytes: 16 * MiB,
      gpuUnits: 0,
      volumes: [],
      expose: http ? [{ port: 80, as: 0, proto: 'TCP', global: true, hosts: [], toServices: [] }] : []
    }]
  }
}

async function firstOk (uri: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(uri, { signal: AbortSignal.timeout(1000) })
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  throw new Error(`${uri} did not answer 200 in time`)
}

async function measure (ex: WorkloadExecutor): Promise<void> {
  // Warm-up: the runtime's first container pays for lazy initialisation.
  await ex.deploy(lease('bench/warmup', true))
  await ex.close('bench/warmup')

  const http: number[] = []
  for (let i = 0; i < HTTP_RUNS; i++) {
    const id = `bench/http-${i}`
    const t0 = performance.now()
    const r = await ex.deploy(lease(id, true))
    await firstOk(r.endpoints[0]?.uri ?? '', Date.now() + 20_000)
    http.push(performance.now() - t0)
    await ex.close(id)
  }
  const deploys: number[] = []
  const closes: number[] = []
  const cycles: number[] = []
  for (let i = 0; i < CYCLE_RUNS; i++) {
    const id = `bench/cycle-${i}`
    const t0 = performance.now()
    await ex.deploy(lease(id, false))
    const t1 = performance.now()
    await ex.close(id)
    const t2 = performance.now()
    deploys.push(t1 - t0)
    closes.push(t2 - t1)
    cycles.push(t2 - t0)
  }
  const s = (a: number[]): number[] => [...a].sort((x, y) => x - y)
  line('runtime', `${ex.runtime.kind}-${ex.runtime.version}`, `api-${ex.runtime.apiVersion}`, `(network ${ex.network})`)
  line('lease_to_first_http_p50', Math.round(pct(s(http), 0.5)), 'ms')
  line('lease_to_first_http_p95', Math.round(pct(s(http), 0.95)), 'ms', '(target < 2000)')
  line('lease_to_first_http_max', Math.round(Math.max(...http)), 'ms', `(${HTTP_RUNS} runs)`)
  line('runtime_create_start_remove_per_service', Math.round(pct(s(cycles), 0.5)), 'ms', `(median of ${CYCLE_RUNS}; deploy p50 ${Math.round(pct(s(deploys), 0.5))} ms, close p50 ${Math.round(pct(s(closes), 0.5))} ms)`)
}

async function main (): Promise<void> {
  const skip = podmanSkipReason()
  if (skip !== undefined) {
    process.stdout.write(`bench-executor: skipped: ${skip}\n`)
    return
  }
  let podman: PodmanService | undefined
  let ex: WorkloadExecutor | undefined
  const cleanup = async (): Promise<void> => {
    ex?.stop()
    await podman?.stop()
  }
  // Ctrl-C still removes the service and everything it made.
  process.once('SIGINT', () => { void cleanup().finally(() => process.exit(130)) })
  try {
    podman = await startPodman()
    ex = await connectExecutor({ runtime: { endpoint: `unix://${podman.socketPath}`, env: {} }, allowedRegistries: ['localhost'], pullPolicy: 'never' })
    await measure(ex)
  } finally {
    await cleanup()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-executor failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
