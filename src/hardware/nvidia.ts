import type { ToolRun } from './exec.js'
import { runTool } from './exec.js'
import type { GpuTable } from './gpu-table.js'
import { nameGpu } from './naming.js'
import type { ProbeOptions } from './options.js'
import type { GpuDevice, HardwareWarningCode, ToolReport } from './types.js'
import { WarningCollector } from './warnings.js'
import { addNamingWarnings } from './gpu-common.js'

/**
 * NVIDIA GPUs through nvidia-smi's CSV query interface (stable across driver branches since R3xx,
 * unlike the XML and the human table). Fields beyond the naming ones are for the dashboard.
 */
export const NVIDIA_QUERY_FIELDS = [
  'index', 'uuid', 'name', 'pci.bus_id', 'pci.device_id', 'driver_version',
  'memory.total', 'memory.used', 'memory.free', 'utilization.gpu', 'utilization.memory',
  'temperature.gpu', 'power.draw', 'power.limit'
] as const

/** Fallback when a driver rejects one of the fields above ("is not a valid field to query"). */
export const NVIDIA_MINIMAL_FIELDS = ['index', 'uuid', 'name', 'pci.bus_id', 'pci.device_id', 'memory.total'] as const

export function nvidiaQueryArgs (fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits']
}

export type NvidiaRow = Record<string, string | undefined>

/** Values nvidia-smi prints for "no value". */
function cleanValue (raw: string): string | undefined {
  const v = raw.trim()
  if (v === '' || /^\[?(n\/a|not supported|unknown error|insufficient permissions|gpu requires reset)\]?$/i.test(v)) return undefined
  return v
}

/**
 * Parse `--format=csv,noheader,nounits` output for `fields`. Tolerates a header line, units left
 * in (`81559 MiB`, `0 %`), blank lines and CRLF. Lines with the wrong number of cells are
 * reported, not guessed at.
 */
export function parseNvidiaCsv (text: string, fields: readonly string[]): { rows: NvidiaRow[], badLines: string[] } {
  const rows: NvidiaRow[] = []
  const badLines: string[] = []
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '') continue
    const cells = line.split(',').map((c) => c.trim())
    // A header ("index, uuid, name, ...") when noheader was not honoured.
    if (cells[0] !== undefined && cells[0].toLowerCase().startsWith(fields[0] ?? '\u0000') && !/^\d/.test(cells[0])) continue
    if (cells.length !== fields.length) {
      badLines.push(line)
      continue
    }
    const row: NvidiaRow = {}
    fields.forEach((f, i) => { row[f] = cleanValue(cells[i] ?? '') })
    rows.push(row)
  }
  return { rows, badLines }
}

/** Leading number of a value; units such as 'MiB', '%', 'W' are ignored. */
export function numberOf (v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const m = /^-?\d+(\.\d+)?/.exec(v.trim())
  if (m === null) return undefined
  const n = Number(m[0])
  return Number.isFinite(n) ? n : undefined
}

/** '0x233010DE' → {vendorId: '10de', deviceId: '2330'} (nvidia-smi packs device<<16 | vendor). */
export function splitPciDeviceId (raw: string | undefined): { vendorId: string, deviceId: string } | undefined {
  if (raw === undefined) return undefined
  const m = /^(?:0x)?([0-9a-f]{4})([0-9a-f]{4})$/i.exec(raw.trim())
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined
  return { deviceId: m[1].toLowerCase(), vendorId: m[2].toLowerCase() }
}

/** '00000000:18:00.0' → '0000:18:00.0' (nvidia-smi uses an 8-digit domain; lspci and sysfs use 4). */
export function normalizeBusId (raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const m = /^(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(raw.trim())
  if (m === null) return raw.trim().toLowerCase()
  const domain = (m[1] ?? '0000').slice(-4)
  return `${domain}:${m[2] ?? '00'}:${m[3] ?? '00'}.${m[4] ?? '0'}`.toLowerCase()
}

const MIB = 1024 * 1024

export interface NvidiaFailure {
  code: HardwareWarningCode
  message: string
}

/**
 * Turn a failed nvidia-smi run into words a provider can act on. Messages are matched first (they
 * are stable across versions); exit codes from `man nvidia-smi` are the fallback.
 */
export function classifyNvidiaFailure (run: Exclude<ToolRun, { kind: 'ok' }>): NvidiaFailure {
  if (run.kind === 'missing') {
    return { code: 'NVIDIA_SMI_NOT_FOUND', message: 'nvidia-smi was not found on PATH: no NVIDIA driver is installed here (or PATH does not include it); NVIDIA GPUs cannot be offered' }
  }
  if (run.kind === 'timeout') {
    return { code: 'NVIDIA_SMI_TIMEOUT', message: `nvidia-smi did not answer within ${run.timeoutMs} ms and was killed: the driver may be hung (check dmesg for Xid errors) or persistence mode is off on a large machine` }
  }
  const output = `${run.stdout}\n${run.stderr}`
  const firstLine = output.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? ''
  const exit = run.exitCode
  if (/driver\/library version mismatch/i.test(output) || exit === 18) {
    return { code: 'NVIDIA_DRIVER_MISMATCH', message: 'nvidia-smi: Driver/library version mismatch: the loaded kernel module and the user-space NVIDIA libraries differ (usually after a driver upgrade); reboot or reload the nvidia kernel modules' }
  }
  if (/nvml shared library not found|libnvidia-ml\.so|could not be (found|loaded)/i.test(output) || exit === 12) {
    return { code: 'NVIDIA_NVML_NOT_FOUND', message: 'nvidia-smi could not load the NVML library (libnvidia-ml.so): the NVIDIA user-space driver is incomplete; reinstall the driver package' }
  }
  if (/couldn't communicate with the nvidia driver|driver is not loaded|no nvidia driver/i.test(output) || exit === 9) {
    return { code: 'NVIDIA_DRIVER_NOT_LOADED', message: 'nvidia-smi could not talk to the NVIDIA kernel driver: the nvidia module is not loaded (modprobe nvidia, or check secure boot / DKMS build)' }
  }
  if (/no devices were found/i.test(output)) {
    return { code: 'NVIDIA_NO_DEVICES', message: 'nvidia-smi found no NVIDIA devices: the driver is installed but no GPU is visible (passthrough, power cables, or the GPU is bound to vfio-pci)' }
  }
  if (/insufficient permissions/i.test(output) || exit === 4) {
    return { code: 'NVIDIA_PERMISSION_DENIED', message: 'nvidia-smi: insufficient permissions: run the provider as a user that can open /dev/nvidia*' }
  }
  if (/fallen off the bus/i.test(output) || exit === 15) {
    return { code: 'NVIDIA_GPU_LOST', message: 'nvidia-smi: a GPU has fallen off the bus: it needs a reset or a reboot before it can be offered' }
  }
  if (/is not a valid field to query/i.test(output)) {
    return { code: 'NVIDIA_FIELDS_UNSUPPORTED', message: `nvidia-smi rejected a query field (${firstLine}); this driver is older than expected` }
  }
  const how = run.reason === 'output-too-large' ? 'printed more output than allowed' : run.reason === 'spawn-error' ? 'could not be started' : `exited with code ${exit ?? 'none'}${run.signal !== null ? ` (signal ${run.signal})` : ''}`
  return { code: 'NVIDIA_SMI_FAILED', message: `nvidia-smi ${how}: ${firstLine.slice(0, 200)}` }
}

export interface VendorProbe {
  gpus: GpuDevice[]
  tool: ToolReport
  /** PCI bus addresses the tool accounted for, so lspci does not report them again. */
  buses: Set<string>
  /** The tool exists but could not list GPUs (driver problem); lspci may still see the boards. */
  driverProblem: boolean
}

export async function probeNvidia (opts: ProbeOptions, table: GpuTable, warnings: WarningCollector): Promise<VendorProbe> {
  const toolOpts = { timeoutMs: opts.toolTimeoutMs, maxOutputBytes: opts.maxToolOutputBytes }
  let fields: readonly string[] = NVIDIA_QUERY_FIELDS
  let run = await runTool('nvidia-smi', opts.nvidiaSmiPath, nvidiaQueryArgs(fields), opts.pathEnv, toolOpts)
  if (run.kind === 'failed' && /is not a valid field to query/i.test(`${run.stdout}\n${run.stderr}`)) {
    fields = NVIDIA_MINIMAL_FIELDS
    run = await runTool('nvidia-smi', opts.nvidiaSmiPath, nvidiaQueryArgs(fields), opts.pathEnv, toolOpts)
  }
  const buses = new Set<string>()
  if (run.kind !== 'ok') {
    const f = classifyNvidiaFailure(run)
    warnings.add(f.code, f.message, run.kind === 'failed' ? { exitCode: run.exitCode ?? -1 } : {})
    const state = run.kind === 'missing' ? 'missing' : run.kind === 'timeout' ? 'timeout' : 'failed'
    return {
      gpus: [],
      tool: { tool: 'nvidia-smi', state, ...(run.kind !== 'missing' ? { path: run.path } : {}) },
      buses,
      driverProblem: run.kind !== 'missing' && f.code !== 'NVIDIA_NO_DEVICES'
    }
  }
  const { rows, badLines } = parseNvidiaCsv(run.stdout, fields)
  if (badLines.length > 0 || (rows.length === 0 && run.stdout.trim() !== '')) {
    warnings.add('NVIDIA_SMI_UNPARSEABLE', `nvidia-smi printed ${badLines.length} line(s) that do not match the query (${fields.length} fields); those GPUs are not offered`, { sample: (badLines[0] ?? run.stdout.trim()).slice(0, 200) })
  }
  const gpus: GpuDevice[] = []
  rows.forEach((row, i) => {
    const ids = splitPciDeviceId(row['pci.device_id'])
    const bus = normalizeBusId(row['pci.bus_id'])
    const marketingName = row.name ?? 'unknown NVIDIA GPU'
    const memTotalMiB = numberOf(row['memory.total'])
    const memoryTotalBytes = memTotalMiB !== undefined ? Math.round(memTotalMiB * MIB) : undefined
    const vendorId = ids?.vendorId ?? '10de'
    const deviceId = ids?.deviceId ?? '0000'
    const naming = nameGpu(table, { vendorId, deviceId, marketingName, ...(memoryTotalBytes !== undefined ? { memoryTotalBytes } : {}) })
    if (ids === undefined) {
      warnings.add('NVIDIA_SMI_UNPARSEABLE', `nvidia-smi gave no usable PCI device id ('${row['pci.device_id'] ?? ''}')`, {}, { key: 'pci-id', ...(bus !== undefined ? { bus } : {}) })
    }
    const index = numberOf(row.index) ?? i
    const num = (f: string): number | undefined => numberOf(row[f])
    const memUsed = num('memory.used')
    const memFree = num('memory.free')
    const gpu: GpuDevice = {
      index,
      vendor: naming.vendor,
      vendorId,
      deviceId,
      pciId: `${vendorId}:${deviceId}`,
      ...(bus !== undefined ? { bus } : {}),
      ...(row.uuid !== undefined ? { uuid: row.uuid } : {}),
      marketingName,
      ...(naming.model !== undefined ? { model: naming.model } : {}),
      ...(naming.ram !== undefined ? { ram: naming.ram } : {}),
      ...(naming.interface !== undefined ? { interface: naming.interface } : {}),
      namedBy: naming.namedBy,
      usable: naming.model !== undefined,
      source: 'nvidia-smi',
      ...(row.driver_version !== undefined ? { driverVersion: row.driver_version } : {}),
      ...(memoryTotalBytes !== undefined ? { memoryTotalBytes } : {}),
      ...(memUsed !== undefined ? { memoryUsedBytes: Math.round(memUsed * MIB) } : {}),
      ...(memFree !== undefined ? { memoryFreeBytes: Math.round(memFree * MIB) } : {}),
      ...optionalNumber('utilizationPercent', num('utilization.gpu')),
      ...optionalNumber('memoryUtilizationPercent', num('utilization.memory')),
      ...optionalNumber('temperatureC', num('temperature.gpu')),
      ...optionalNumber('powerDrawW', num('power.draw')),
      ...optionalNumber('powerLimitW', num('power.limit'))
    }
    addNamingWarnings(warnings, gpu, naming)
    if (bus !== undefined) buses.add(bus)
    gpus.push(gpu)
  })
  return { gpus, tool: { tool: 'nvidia-smi', state: 'ok', path: run.path, durationMs: Math.round(run.durationMs) }, buses, driverProblem: false }
}

function optionalNumber<K extends string> (key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Partial<Record<K, number>>)
}
