import { probeAmd } from './amd.js'
import { probeHost } from './host.js'
import { gpusFromLspci, runLspci } from './lspci.js'
import { probeNvidia } from './nvidia.js'
import type { VendorProbe } from './nvidia.js'
import type { ProbeOptions } from './options.js'
import { defaultProbeOptions } from './options.js'
import type { GpuDevice, HardwareWarning, ProbeResult, ToolReport } from './types.js'
import { WarningCollector } from './warnings.js'

const skipped = (tool: string): VendorProbe => ({ gpus: [], tool: { tool, state: 'skipped' }, buses: new Set(), driverProblem: false })

/**
 * Probe the host: CPU, memory, storage through systeminformation, GPUs through nvidia-smi,
 * rocm-smi/amd-smi and lspci, all concurrently and all asynchronous. Never throws for missing or
 * broken tools: every such problem is a warning on the result.
 */
export async function probeHardware (options: Partial<ProbeOptions> = {}): Promise<ProbeResult> {
  const opts: ProbeOptions = { ...defaultProbeOptions, pathEnv: process.env.PATH, ...options }
  const probedAt = opts.clock.now()
  const started = performance.now()
  const hostWarnings = new WarningCollector()
  const nvidiaWarnings = new WarningCollector()
  const amdWarnings = new WarningCollector()
  const pciWarnings = new WarningCollector()

  const [host, nvidia, amd, lspci] = await Promise.all([
    probeHost(hostWarnings),
    opts.skipGpus ? skipped('nvidia-smi') : probeNvidia(opts, opts.gpuTable, nvidiaWarnings),
    opts.skipGpus ? skipped('rocm-smi') : probeAmd(opts, opts.gpuTable, amdWarnings),
    opts.skipGpus ? Promise.resolve({ devices: [], tool: { tool: 'lspci', state: 'skipped' } satisfies ToolReport }) : runLspci(opts, pciWarnings)
  ])

  const seen = new Set<string>([...nvidia.buses, ...amd.buses])
  const nvidiaReason = nvidia.tool.state === 'missing'
    ? 'nvidia-smi is not installed'
    : nvidia.tool.state === 'ok' ? undefined : 'nvidia-smi failed (see the nvidia-smi warning)'
  const gpus: GpuDevice[] = [...nvidia.gpus, ...amd.gpus]
  gpus.push(...gpusFromLspci(lspci.devices, seen, opts.gpuTable, nvidiaReason, pciWarnings, gpus.length))

  const warnings: HardwareWarning[] = [
    ...hostWarnings.list(), ...nvidiaWarnings.list(), ...amdWarnings.list(), ...pciWarnings.list()
  ]
  return {
    probedAt,
    durationMs: Math.round(performance.now() - started),
    cpu: host.cpu,
    memory: host.memory,
    storage: host.storage,
    gpus,
    os: host.os,
    tools: [nvidia.tool, amd.tool, lspci.tool],
    warnings
  }
}
