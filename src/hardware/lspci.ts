import { runTool } from './exec.js'
import type { GpuTable } from './gpu-table.js'
import { nameGpu } from './naming.js'
import type { ProbeOptions } from './options.js'
import type { GpuDevice, ToolReport } from './types.js'
import type { WarningCollector } from './warnings.js'
import { addNamingWarnings } from './gpu-common.js'

export interface PciDisplayDevice {
  bus: string
  classCode?: string
  vendorId?: string
  deviceId?: string
  description: string
}

export const LSPCI_ARGS = ['-nn', '-D']

/**
 * `lspci -nn -D` lines such as
 * `0000:03:00.0 Display controller [0380]: Advanced Micro Devices, Inc. [AMD/ATI] Arcturus GL-XL [Instinct MI100] [1002:738c] (rev 01)`.
 * Keeps display controllers (class 03xx) and processing accelerators (12xx, where some Instinct
 * boards sit). Lines without ids (plain `lspci`) are kept with the description only.
 */
export function parseLspci (text: string): PciDisplayDevice[] {
  const out: PciDisplayDevice[] = []
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || /^\s/.test(line)) continue
    const m = /^((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+([^:[]+?)(?:\s+\[([0-9a-f]{4})\])?:\s+(.*)$/i.exec(line)
    if (m === null || m[1] === undefined || m[2] === undefined || m[4] === undefined) continue
    const className = m[2]
    const classCode = m[3]?.toLowerCase()
    const isGpuClass = classCode !== undefined
      ? classCode.startsWith('03') || classCode.startsWith('12')
      : /vga|3d controller|display controller|processing accelerators/i.test(className)
    if (!isGpuClass) continue
    let rest = m[4].replace(/\s+\((rev|prog-if)[^)]*\)/gi, '').trim()
    const ids = /\s*\[([0-9a-f]{4}):([0-9a-f]{4})\]$/i.exec(rest)
    if (ids !== null) rest = rest.slice(0, ids.index).trim()
    const bus = m[1].length === 7 ? `0000:${m[1]}` : m[1]
    out.push({
      bus: bus.toLowerCase(),
      ...(classCode !== undefined ? { classCode } : {}),
      ...(ids?.[1] !== undefined && ids[2] !== undefined ? { vendorId: ids[1].toLowerCase(), deviceId: ids[2].toLowerCase() } : {}),
      description: rest
    })
  }
  return out
}

export interface LspciProbe {
  devices: PciDisplayDevice[]
  tool: ToolReport
}

export async function runLspci (opts: ProbeOptions, warnings: WarningCollector): Promise<LspciProbe> {
  const run = await runTool('lspci', opts.lspciPath, LSPCI_ARGS, opts.pathEnv, { timeoutMs: opts.toolTimeoutMs, maxOutputBytes: opts.maxToolOutputBytes })
  if (run.kind === 'missing') return { devices: [], tool: { tool: 'lspci', state: 'missing' } }
  if (run.kind !== 'ok') {
    warnings.add('LSPCI_FAILED', run.kind === 'timeout' ? `lspci did not answer within ${run.timeoutMs} ms` : `lspci failed (exit ${run.exitCode ?? 'none'})`, {})
    return { devices: [], tool: { tool: 'lspci', state: run.kind === 'timeout' ? 'timeout' : 'failed', path: run.path } }
  }
  return { devices: parseLspci(run.stdout), tool: { tool: 'lspci', state: 'ok', path: run.path, durationMs: Math.round(run.durationMs) } }
}

/**
 * GPUs lspci sees that no vendor tool reported. AMD boards are named from the PCI table and
 * offered (no vendor tool needed to schedule them); NVIDIA boards without a working nvidia-smi are
 * listed as unusable with the reason, because the NVIDIA container runtime needs the driver.
 */
export function gpusFromLspci (devices: PciDisplayDevice[], seenBuses: Set<string>, table: GpuTable, nvidiaReason: string | undefined, warnings: WarningCollector, firstIndex: number): GpuDevice[] {
  const out: GpuDevice[] = []
  for (const d of devices) {
    if (seenBuses.has(d.bus) || d.vendorId === undefined || d.deviceId === undefined) continue
    if (d.vendorId !== '1002' && d.vendorId !== '10de') continue
    const naming = nameGpu(table, { vendorId: d.vendorId, deviceId: d.deviceId, marketingName: d.description })
    const isNvidia = d.vendorId === '10de'
    const gpu: GpuDevice = {
      index: firstIndex + out.length,
      vendor: naming.vendor,
      vendorId: d.vendorId,
      deviceId: d.deviceId,
      pciId: `${d.vendorId}:${d.deviceId}`,
      bus: d.bus,
      marketingName: d.description,
      ...(naming.model !== undefined ? { model: naming.model } : {}),
      ...(naming.ram !== undefined ? { ram: naming.ram } : {}),
      ...(naming.interface !== undefined ? { interface: naming.interface } : {}),
      namedBy: naming.namedBy,
      usable: naming.model !== undefined && !isNvidia,
      source: 'lspci'
    }
    if (isNvidia) {
      warnings.add('GPU_WITHOUT_DRIVER', `NVIDIA GPU ${gpu.pciId} at ${d.bus} is on the PCI bus but ${nvidiaReason ?? 'nvidia-smi did not report it'}; it is not offered`, { pciId: gpu.pciId }, { key: gpu.pciId, bus: d.bus })
    } else {
      addNamingWarnings(warnings, gpu, naming)
    }
    out.push(gpu)
  }
  return out
}
