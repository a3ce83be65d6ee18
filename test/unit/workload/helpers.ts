import type Docker from 'dockerode'
import type { WorkloadExpose, WorkloadManifest, WorkloadService } from '../../../src/workload/index.js'
import { resolveExecutorOptions } from '../../../src/workload/index.js'
import type { ExecutorOptions } from '../../../src/workload/index.js'

export const MiB = 1024 * 1024

export function expose (port: number, over: Partial<WorkloadExpose> = {}): WorkloadExpose {
  return { port, as: 0, proto: 'TCP', global: true, hosts: [], toServices: [], ...over }
}

export function service (name: string, over: Partial<WorkloadService> = {}): WorkloadService {
  return {
    name,
    image: 'localhost/tiny:1',
    command: [],
    args: [],
    env: [],
    count: 1,
    cpuMillicores: 250,
    memoryBytes: 64 * MiB,
    storageBytes: 16 * MiB,
    gpuUnits: 0,
    volumes: [],
    expose: [],
    ...over
  }
}

export function manifest (leaseId: string, services: WorkloadService[], over: Partial<WorkloadManifest> = {}): WorkloadManifest {
  return { leaseId, tenant: 'tenant-1', services, ...over }
}

export function options (over: Partial<ExecutorOptions> = {}): ExecutorOptions {
  return resolveExecutorOptions(over)
}

/** The parts of `container inspect` the status mapping reads. */
export function inspectInfo (state: Partial<Docker.ContainerInspectInfo['State']>, labels: Record<string, string> = {}, over: { restarts?: number, name?: string, maxRetries?: number } = {}): Docker.ContainerInspectInfo {
  const info = {
    Id: 'c0ffee',
    Name: `/${over.name ?? 'skymesh-x-web-0'}`,
    RestartCount: over.restarts ?? 0,
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-01-01T00:00:00Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state
    },
    HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: over.maxRetries ?? 0 } },
    Config: { Labels: { 'skymesh.service': 'web', 'skymesh.replica': '0', ...labels }, Image: 'localhost/tiny:1' }
  }
  return info as unknown as Docker.ContainerInspectInfo
}
