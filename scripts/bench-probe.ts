/**
 * Probe timing on this host: `npm run bench:probe`. Runs the full probe (systeminformation plus
 * the GPU tools on PATH) several times and prints `name: value unit` lines. The first run is
 * reported apart because it pays for module loading and cold caches.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { probeHardware } from '../src/hardware/index.js'

const RUNS = 7

function pct (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0
}

async function main (): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 5 })
  delay.enable()
  const times: number[] = []
  let gpus = 0
  let warnings: string[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    const p = await probeHardware()
    times.push(performance.now() - started)
    gpus = p.gpus.length
    warnings = p.warnings.map((w) => w.code)
  }
  delay.disable()
  const first = times[0] ?? 0
  const sorted = [...times].sort((a, b) => a - b)
  const line = (name: string, value: string | number, unit: string, note = ''): void => {
    process.stdout.write(`${name}: ${value} ${unit}${note !== '' ? ` ${note}` : ''}\n`)
  }
  line('probe_runs', RUNS, 'runs')
  line('probe_time_first', Math.round(first), 'ms', '(target < 1000)')
  line('probe_time_p50', Math.round(pct(sorted, 0.5)), 'ms', '(target < 1000)')
  line('probe_time_max', Math.round(sorted[sorted.length - 1] ?? 0), 'ms', '(target < 1000)')
  line('event_loop_delay_max', Math.round(delay.max / 1e6), 'ms')
  line('gpus_found', gpus, 'gpus')
  line('warnings', warnings.length, `warnings${warnings.length > 0 ? ` (${warnings.join(', ')})` : ''}`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-probe failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
