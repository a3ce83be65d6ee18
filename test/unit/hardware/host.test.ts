import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { probeHardware } from '../../../src/hardware/index.js'
import { ManualClock } from '../../../src/util/clock.js'

describe('probe on this machine (no GPU)', () => {
  it('reports nproc cores, MemTotal memory, no GPUs and a missing nvidia-smi, well under a second', async () => {
    const clock = new ManualClock(1_750_000_000_000)
    const started = performance.now()
    const p = await probeHardware({ clock })
    expect(performance.now() - started).toBeLessThan(1_000)
    const nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim())
    expect(p.cpu.cores).toBe(nproc)
    expect(p.cpu.cores).toBe(availableParallelism())
    expect(p.cpu.millicores).toBe(nproc * 1000)
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
    expect(Math.abs(p.memory.totalBytes - memTotalKb * 1024) / (memTotalKb * 1024)).toBeLessThan(0.01)
    expect(p.gpus).toEqual([])
    expect(p.warnings.map((w) => w.code)).toContain('NVIDIA_SMI_NOT_FOUND')
    expect(p.probedAt).toBe(1_750_000_000_000)
    expect(p.cpu.architecture).toMatch(/^[a-z0-9]+$/)
    expect(p.storage.length).toBeGreaterThan(0)
    for (const s of p.storage) expect(['beta1', 'beta2', 'beta3']).toContain(s.class)
  })

  it('keeps the event loop free while probing', async () => {
    let maxGap = 0
    let last = performance.now()
    const timer = setInterval(() => {
      const now = performance.now()
      maxGap = Math.max(maxGap, now - last)
      last = now
    }, 5)
    await probeHardware()
    clearInterval(timer)
    // systeminformation does some synchronous /proc reads; anything near nvidia-smi's runtime would show here.
    expect(maxGap).toBeLessThan(250)
  })
})
