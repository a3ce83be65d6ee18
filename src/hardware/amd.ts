import { runTool } from './exec.js'
import type { GpuTable } from './gpu-table.js'
import { nameGpu } from './naming.js'
import { normalizeBusId, type VendorProbe } from './nvidia.js'
import type { ProbeOptions } from './options.js'
import type { GpuDevice } from './types.js'
import type { WarningCollector } from './warnings.js'
import { addNamingWarnings } from './gpu-common.js'

/** Facts about one AMD GPU from rocm-smi or amd-smi. */
export interface AmdGpuFacts {
  index: number
  deviceId: string
  bus?: string
  marketingName: string
  memoryTotalBytes?: number
  uuid?: string
}

export const ROCM_SMI_ARGS = ['--showid', '--showproductname', '--showbus', '--showmeminfo', 'vram', '--showuniqueid', '--json']
export const AMD_SMI_ARGS = ['static', '--asic', '--bus', '--vram', '--json']

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function hex4 (v: unknown): string | undefined {
  if (typeof v === 'number') return v.toString(16).padStart(4, '0')
  if (typeof v !== 'string') return undefined
  const m = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(v.trim())
  return m?.[1] !== undefined ? m[1].toLowerCase().padStart(4, '0') : undefined
}

function field (obj: Record<string, unknown>, pattern: RegExp): unknown {
  for (const [k, v] of Object.entries(obj)) if (pattern.test(k)) return v
  return undefined
}

function str (v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' && !/^n\/a$/i.test(v.trim()) ? v.trim() : undefined
}

/**
 * `rocm-smi --showid --showproductname --showbus --showmeminfo vram --json`: an object of
 * "cardN" entries. Key spellings changed across ROCm releases ("GPU ID" → "Device ID",
 * "Card series" → "Card Series"), so keys are matched loosely.
 */
export function parseRocmSmiJson (text: string): AmdGpuFacts[] | undefined {
  let data: unknown
  try { data = JSON.parse(text) } catch { return undefined }
  if (!isRecord(data)) return undefined
  const out: AmdGpuFacts[] = []
  for (const [card, value] of Object.entries(data)) {
    const m = /^card(\d+)$/i.exec(card)
    if (m === null || !isRecord(value)) continue
    const deviceId = hex4(field(value, /^(gpu id|device id)$/i))
    if (deviceId === undefined) continue
    const bus = normalizeBusId(str(field(value, /^pci bus$/i)))
    const name = str(field(value, /^card series$/i)) ?? str(field(value, /^card model$/i)) ?? str(field(value, /^card sku$/i)) ?? `AMD GPU ${deviceId}`
    const vram = Number(str(field(value, /^vram total memory \(b\)$/i)) ?? NaN)
    const uuid = str(field(value, /^unique id$/i))
    out.push({
      index: Number(m[1]),
      deviceId,
      ...(bus !== undefined ? { bus } : {}),
      marketingName: name,
      ...(Number.isFinite(vram) && vram > 0 ? { memoryTotalBytes: vram } : {}),
      ...(uuid !== undefined ? { uuid } : {})
    })
  }
  return out
}

function sizeToBytes (v: unknown): number | undefined {
  if (typeof v === 'number') return v * 1024 * 1024
  if (isRecord(v)) {
    const value = Number(v.value)
    const unit = String(v.unit ?? 'MB').toUpperCase()
    if (!Number.isFinite(value)) return undefined
    return value * (unit.startsWith('G') ? 1024 ** 3 : unit.startsWith('K') ? 1024 : unit === 'B' ? 1 : 1024 ** 2)
  }
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(v.trim())
    if (m === null) return undefined
    const unit = (m[2] ?? 'M').toUpperCase()
    return Number(m[1]) * (unit === 'G' ? 1024 ** 3 : unit === 'K' ? 1024 : 1024 ** 2)
  }
  return undefined
}

/** `amd-smi static --asic --bus --vram --json`: an array of GPUs (or {gpu_data: [...]} in newer releases). */
export function parseAmdSmiJson (text: string): AmdGpuFacts[] | undefined {
  let data: unknown
  try { data = JSON.parse(text) } catch { return undefined }
  const list = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.gpu_data) ? data.gpu_data : undefined
  if (list === undefined) return undefined
  const out: AmdGpuFacts[] = []
  list.forEach((entry: unknown, i: number) => {
    if (!isRecord(entry)) return
    const asic = isRecord(entry.asic) ? entry.asic : {}
    const deviceId = hex4(asic.device_id)
    if (deviceId === undefined) return
    const bus = normalizeBusId(str(isRecord(entry.bus) ? entry.bus.bdf : undefined))
    const vram = isRecord(entry.vram) ? sizeToBytes(entry.vram.size) : undefined
    const uuid = str(asic.asic_serial)
    out.push({
      index: typeof entry.gpu === 'number' ? entry.gpu : i,
      deviceId,
      ...(bus !== undefined ? { bus } : {}),
      marketingName: str(asic.market_name) ?? `AMD GPU ${deviceId}`,
      ...(vram !== undefined && vram > 0 ? { memoryTotalBytes: Math.round(vram) } : {}),
      ...(uuid !== undefined ? { uuid } : {})
    })
  })
  return out
}

function toDevice (f: AmdGpuFacts, table: GpuTable, source: 'rocm-smi' | 'amd-smi', warnings: WarningCollector): GpuDevice {
  const naming = nameGpu(table, { vendorId: '1002', deviceId: f.deviceId, marketingName: f.marketingName, ...(f.memoryTotalBytes !== undefined ? { memoryTotalBytes: f.memoryTotalBytes } : {}) })
  const gpu: GpuDevice = {
    index: f.index,
    vendor: naming.vendor,
    vendorId: '1002',
    deviceId: f.deviceId,
    pciId: `1002:${f.deviceId}`,
    ...(f.bus !== undefined ? { bus: f.bus } : {}),
    ...(f.uuid !== undefined ? { uuid: f.uuid } : {}),
    marketingName: f.marketingName,
    ...(naming.model !== undefined ? { model: naming.model } : {}),
    ...(naming.ram !== undefined ? { ram: naming.ram } : {}),
    ...(naming.interface !== undefined ? { interface: naming.interface } : {}),
    namedBy: naming.namedBy,
    usable: naming.model !== undefined,
    source,
    ...(f.memoryTotalBytes !== undefined ? { memoryTotalBytes: f.memoryTotalBytes } : {})
  }
  addNamingWarnings(warnings, gpu, naming)
  return gpu
}

/**
 * AMD GPUs: rocm-smi, else amd-smi. When neither is installed the lspci pass names AMD boards
 * from their PCI ids (what the Akash inventory operator does too).
 */
export async function probeAmd (opts: ProbeOptions, table: GpuTable, warnings: WarningCollector): Promise<VendorProbe> {
  const toolOpts = { timeoutMs: opts.toolTimeoutMs, maxOutputBytes: opts.maxToolOutputBytes }
  const buses = new Set<string>()
  const tools: Array<{ name: 'rocm-smi' | 'amd-smi', path: string | undefined, args: string[], parse: (t: string) => AmdGpuFacts[] | undefined }> = [
    { name: 'rocm-smi', path: opts.rocmSmiPath, args: ROCM_SMI_ARGS, parse: parseRocmSmiJson },
    { name: 'amd-smi', path: opts.amdSmiPath, args: AMD_SMI_ARGS, parse: parseAmdSmiJson }
  ]
  for (const t of tools) {
    const run = await runTool(t.name, t.path, t.args, opts.pathEnv, toolOpts)
    if (run.kind === 'missing') continue
    if (run.kind === 'timeout') {
      warnings.add('AMD_TOOL_TIMEOUT', `${t.name} did not answer within ${run.timeoutMs} ms and was killed; AMD GPUs are taken from PCI ids only`, { tool: t.name })
      return { gpus: [], tool: { tool: t.name, state: 'timeout', path: run.path }, buses, driverProblem: true }
    }
    // rocm-smi exits non-zero for warnings on some releases while printing valid JSON.
    const facts = t.parse(run.stdout)
    if (facts === undefined) {
      const firstLine = `${run.stdout}\n${run.stderr}`.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? ''
      if (run.kind === 'failed') {
        warnings.add('AMD_TOOL_FAILED', `${t.name} failed (exit ${run.exitCode ?? 'none'}): ${firstLine.slice(0, 200)}; is the amdgpu driver loaded?`, { tool: t.name })
      } else {
        warnings.add('AMD_TOOL_UNPARSEABLE', `${t.name} printed output that could not be parsed: ${firstLine.slice(0, 200)}`, { tool: t.name })
      }
      return { gpus: [], tool: { tool: t.name, state: 'failed', path: run.path }, buses, driverProblem: true }
    }
    const gpus = facts.map((f) => toDevice(f, table, t.name, warnings))
    for (const g of gpus) if (g.bus !== undefined) buses.add(g.bus)
    return { gpus, tool: { tool: t.name, state: 'ok', path: run.path, durationMs: Math.round(run.durationMs) }, buses, driverProblem: false }
  }
  return { gpus: [], tool: { tool: 'rocm-smi', state: 'missing' }, buses, driverProblem: false }
}
