import { UsageError } from '../../util/errors.js'
import type { Command, CommandContext, ParsedArgs } from '../command.js'
import { printJson, stringOpt } from '../command.js'
import type { ProbeResult } from '../../hardware/index.js'
import { defaultHardwareOptions, probeHardware, providerAttributes } from '../../hardware/index.js'
import type { Attribute } from '../../sdl/types.js'

const GIB = 1024 ** 3
const gib = (n: number): string => `${(n / GIB).toFixed(1)} GiB`

function pad (rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length) })
  return rows.map((r) => '  ' + r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ')).join('\n') + '\n'
}

export function formatProbe (p: ProbeResult, attributes: Attribute[]): string {
  let out = ''
  out += `CPU      ${p.cpu.model} (${p.cpu.vendor}), ${p.cpu.architecture}, ${p.cpu.cores} cores usable / ${p.cpu.threads} threads / ${p.cpu.physicalCores} physical = ${p.cpu.millicores} millicores\n`
  out += `Memory   ${gib(p.memory.totalBytes)} total, ${gib(p.memory.availableBytes)} available now\n`
  out += `OS       ${[p.os.distro, p.os.release].filter((s) => s !== '').join(' ')} (kernel ${p.os.kernel}) on ${p.os.hostname}\n`
  out += '\nStorage\n'
  out += p.storage.length === 0
    ? '  none\n'
    : pad([['mount', 'device', 'fs', 'size', 'free', 'media', 'class'], ...p.storage.map((s) => [s.mount, s.device, s.fsType, gib(s.sizeBytes), gib(s.availableBytes), s.media + (s.classGuessed ? ' (guessed)' : ''), s.class])])
  out += '\nGPUs\n'
  out += p.gpus.length === 0
    ? '  none\n'
    : pad([['#', 'vendor', 'model', 'ram', 'interface', 'pci id', 'bus', 'named by', 'usable', 'name'], ...p.gpus.map((g) => [String(g.index), g.vendor, g.model ?? '-', g.ram ?? '-', g.interface ?? '-', g.pciId, g.bus ?? '-', g.namedBy, g.usable ? 'yes' : 'NO', g.marketingName])])
  out += '\nAttributes\n'
  out += attributes.length === 0 ? '  none\n' : pad(attributes.map((a) => [a.key, a.value]))
  out += '\nWarnings\n'
  out += p.warnings.length === 0
    ? '  none\n'
    : p.warnings.map((w) => `  [${w.code}]${w.count > 1 ? ` x${w.count}` : ''} ${w.message}\n`).join('')
  out += `\nProbe time ${p.durationMs} ms\n`
  return out
}

export const probeCommand: Command = {
  name: 'probe',
  summary: 'Probe this host: CPU, memory, storage, GPUs (Akash names), attributes, and what is wrong',
  usage: 'skymesh probe [--json] [--nvidia-smi PATH] [--tool-timeout MS]',
  options: {
    'nvidia-smi': { type: 'string', valueName: 'PATH', description: 'nvidia-smi to run instead of the one on PATH' },
    'tool-timeout': { type: 'string', valueName: 'MS', description: `time limit per GPU tool run (default ${defaultHardwareOptions.probe.toolTimeoutMs})` }
  },
  positionals: { name: 'none', min: 0, max: 0 },
  async run (args: ParsedArgs, ctx: CommandContext): Promise<number> {
    const timeoutRaw = stringOpt(args, 'tool-timeout')
    let toolTimeoutMs = defaultHardwareOptions.probe.toolTimeoutMs
    if (timeoutRaw !== undefined) {
      toolTimeoutMs = Number(timeoutRaw)
      if (!/^\d+$/.test(timeoutRaw) || toolTimeoutMs < 1 || toolTimeoutMs > 600_000) {
        throw new UsageError('BAD_ARGUMENT', `--tool-timeout must be a whole number of milliseconds between 1 and 600000, got '${timeoutRaw}'`)
      }
    }
    const nvidiaSmiPath = stringOpt(args, 'nvidia-smi')
    const probe = await probeHardware({
      ...defaultHardwareOptions.probe,
      pathEnv: ctx.env.PATH ?? '',
      toolTimeoutMs,
      ...(nvidiaSmiPath !== undefined ? { nvidiaSmiPath } : {})
    })
    const attributes = providerAttributes(probe, defaultHardwareOptions.attributes, defaultHardwareOptions.storage)
    if (args.json) {
      printJson(ctx.io, {
        probedAt: new Date(probe.probedAt).toISOString(),
        probeTimeMs: probe.durationMs,
        cpu: probe.cpu,
        memory: probe.memory,
        storage: probe.storage,
        gpus: probe.gpus,
        attributes,
        warnings: probe.warnings,
        os: probe.os,
        tools: probe.tools
      })
    } else {
      ctx.io.stdout(formatProbe(probe, attributes))
    }
    return 0
  }
}
