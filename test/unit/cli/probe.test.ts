import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { probeCommand } from '../../../src/cli/commands/probe.js'
import type { CommandContext, ParsedArgs } from '../../../src/cli/command.js'
import { UsageError } from '../../../src/util/errors.js'
import type { ToolDir } from '../hardware/fake-tools.js'
import { fakeNvidiaSmi, makeToolDir, readFixture } from '../hardware/fake-tools.js'

let tools: ToolDir
beforeEach(async () => { tools = await makeToolDir() })
afterEach(async () => { await tools.cleanup() })

function run (json: boolean, values: ParsedArgs['values'] = {}): { out: string[], err: string[], exec: () => Promise<number> } {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, env: { PATH: tools.dir }, cwd: tools.dir, signal: new AbortController().signal }
  const args: ParsedArgs = { values, positionals: [], json, dataDir: tools.dir }
  return { out, err, exec: async () => await probeCommand.run(args, ctx) }
}

interface ProbeJson {
  probedAt: string
  probeTimeMs: number
  cpu: { cores: number }
  memory: { totalBytes: number }
  storage: unknown[]
  gpus: Array<{ vendor: string, model: string, ram: string, interface: string, pciId: string, vendorId: string, deviceId: string, bus: string }>
  attributes: Array<{ key: string, value: string }>
  warnings: Array<{ code: string }>
}

describe('skymesh probe', () => {
  it('is named probe', () => {
    expect(probeCommand.name).toBe('probe')
  })

  it('prints JSON with cpu, memory, storage, gpus, attributes, warnings and the probe time', async () => {
    await tools.add('nvidia-smi', fakeNvidiaSmi(JSON.parse(await readFixture('nvidia-h100-sxm8.json')) as Array<Record<string, string>>))
    const r = run(true)
    expect(await r.exec()).toBe(0)
    expect(r.out).toHaveLength(1)
    const j = JSON.parse(r.out[0] ?? '') as ProbeJson
    expect(j.cpu.cores).toBeGreaterThan(0)
    expect(j.memory.totalBytes).toBeGreaterThan(0)
    expect(Array.isArray(j.storage)).toBe(true)
    expect(typeof j.probeTimeMs).toBe('number')
    expect(Number.isNaN(Date.parse(j.probedAt))).toBe(false)
    expect(j.gpus).toHaveLength(8)
    expect(j.gpus[0]).toMatchObject({ vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm', pciId: '10de:2330', vendorId: '10de', deviceId: '2330', bus: '0000:18:00.0' })
    expect(j.attributes).toContainEqual({ key: 'capabilities/gpu/vendor/nvidia/model/h100/ram/80Gi/interface/sxm', value: 'true' })
    expect(j.warnings).toEqual([])
  })

  it('prints a readable table with warnings when there is no GPU', async () => {
    const r = run(false)
    expect(await r.exec()).toBe(0)
    const text = r.out.join('')
    expect(text).toMatch(/^CPU /m)
    expect(text).toMatch(/^GPUs\n {2}none$/m)
    expect(text).toContain('[NVIDIA_SMI_NOT_FOUND]')
    expect(text).toMatch(/^Probe time \d+ ms$/m)
  })

  it('rejects a bad --tool-timeout as usage', async () => {
    await expect(run(true, { 'tool-timeout': 'soon' }).exec()).rejects.toBeInstanceOf(UsageError)
  })
})
