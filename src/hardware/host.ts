import { arch as osArch, availableParallelism, cpus, freemem, hostname, totalmem } from 'node:os'
import si from 'systeminformation'
import { storageMounts } from './storage.js'
import type { CpuInfo, MemoryInfo, OsInfo, StorageMount } from './types.js'
import type { WarningCollector } from './warnings.js'

/** Node's arch names → the Go/Kubernetes names Akash attributes use (capabilities/cpu/arch/amd64). */
export function goArch (nodeArch: string): string | undefined {
  switch (nodeArch) {
    case 'x64': return 'amd64'
    case 'arm64': return 'arm64'
    case 'arm': return 'arm'
    case 'ia32': return '386'
    case 'ppc64': return 'ppc64le'
    case 's390x': return 's390x'
    case 'riscv64': return 'riscv64'
    case 'loong64': return 'loong64'
    default: return undefined
  }
}

export interface HostFacts {
  cpu: CpuInfo
  memory: MemoryInfo
  storage: StorageMount[]
  os: OsInfo
}

async function safe<T> (what: string, p: Promise<T>, fallback: T, warnings: WarningCollector): Promise<T> {
  try {
    return await p
  } catch (err) {
    warnings.add('HOST_PROBE_FAILED', `could not read ${what}: ${err instanceof Error ? err.message : String(err)}`, { part: what })
    return fallback
  }
}

/**
 * Host facts through systeminformation, the independent calls in parallel. Skipped on purpose:
 * si.graphics() (runs nvidia-smi synchronously, and only when lspci exists) and si.diskLayout()
 * (smartctl per disk, slow; blockDevices already carries the rotational flag).
 */
export async function probeHost (warnings: WarningCollector): Promise<HostFacts> {
  const [cpu, mem, fs, blocks, osInfo] = await Promise.all([
    safe('cpu', si.cpu(), undefined, warnings),
    safe('memory', si.mem(), undefined, warnings),
    safe('filesystems', si.fsSize(), [], warnings),
    safe('block devices', si.blockDevices(), [], warnings),
    safe('os', si.osInfo(), undefined, warnings)
  ])
  // nproc semantics: CPUs this process may run on (affinity/cpuset), not the host's count.
  const cores = availableParallelism()
  const architecture = goArch(osArch())
  if (architecture === undefined) warnings.add('CPU_ARCH_UNKNOWN', `CPU architecture '${osArch()}' has no Akash name; no capabilities/cpu/arch attribute is announced`, { arch: osArch() })
  const threads = cpu?.cores ?? cpus().length
  const storage = storageMounts(
    fs.map((f) => ({ fs: f.fs, type: f.type, size: f.size, used: f.used, available: f.available, mount: f.mount })),
    blocks.map((b) => ({ name: b.name, type: b.type, size: b.size, physical: b.physical, protocol: b.protocol, removable: b.removable }))
  )
  if (storage.length === 0) warnings.add('STORAGE_NONE', 'no local filesystem was found to offer as storage', {})
  for (const m of storage.filter((s) => s.classGuessed)) {
    warnings.add('STORAGE_CLASS_GUESSED', `${m.mount} (${m.device}) has no block device of its own; class ${m.class} (${m.media}) is taken from the host's largest disk`, { mount: m.mount, class: m.class })
  }
  return {
    cpu: {
      vendor: cpu?.manufacturer ?? cpu?.vendor ?? 'unknown',
      model: cpu !== undefined ? `${cpu.manufacturer} ${cpu.brand}`.trim() : (cpus()[0]?.model ?? 'unknown'),
      architecture: architecture ?? osArch(),
      cores,
      threads,
      physicalCores: cpu?.physicalCores ?? threads,
      millicores: cores * 1000
    },
    memory: { totalBytes: mem?.total ?? totalmem(), availableBytes: mem?.available ?? freemem() },
    storage,
    os: {
      platform: osInfo?.platform ?? process.platform,
      distro: osInfo?.distro ?? '',
      release: osInfo?.release ?? '',
      kernel: osInfo?.kernel ?? '',
      hostname: osInfo?.hostname ?? hostname()
    }
  }
}
