import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { sdlCommand } from '../../../src/cli/commands/sdl.js'
import type { CommandContext, ParsedArgs } from '../../../src/cli/command.js'

const FIX = fileURLToPath(new URL('../../fixtures/sdl/', import.meta.url))

async function run (files: string[], json: boolean): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const ctx: CommandContext = {
    io: { stdout: t => { out += t }, stderr: t => { err += t } },
    env: {},
    cwd: FIX,
    signal: new AbortController().signal
  }
  const args: ParsedArgs = { values: {}, positionals: files, json, dataDir: '/nonexistent' }
  const code = await sdlCommand.run(args, ctx)
  return { code, out, err }
}

describe('skymesh sdl', () => {
  it('is named sdl and needs at least one file', () => {
    expect(sdlCommand.name).toBe('sdl')
    expect(sdlCommand.positionals.min).toBe(1)
  })

  it('prints one JSON object per file and exits 0 when all are valid', async () => {
    const { code, out } = await run(['fixtures/valid/testdata__v2.0__gpu-basic.yaml', 'corpus/AI-Image-App__deploy.yaml'], true)
    expect(code).toBe(0)
    const lines = out.trim().split('\n').map(l => JSON.parse(l))
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ file: 'fixtures/valid/testdata__v2.0__gpu-basic.yaml', ok: true, version: '2.0', warnings: [] })
    expect(lines[0].manifestHash).toMatch(/^[0-9a-f]{64}$/)
    const unit = lines[1].groups[0].resources[0]
    expect(unit).toEqual({
      id: 1, count: 1, price: { denom: 'uact', amount: '100000' }, cpu: 1000, memory: 40802189312,
      storage: [{ name: 'default', size: 107374182400, attributes: [] }],
      gpu: { units: 1, attributes: [{ key: 'vendor/nvidia/model/*', value: 'true' }] },
      endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }]
    })
    expect(Object.keys(lines[1].groups[0])).toEqual(['name', 'requirements', 'resources'])
  })

  it('reports a rejection with code, path, line and column, and exits 2', async () => {
    const { code, out } = await run(['fixtures/invalid/testdata__port-too-high.yaml', 'fixtures/valid/go-sdl__simple.yaml'], true)
    expect(code).toBe(2)
    const [bad, good] = out.trim().split('\n').map(l => JSON.parse(l))
    expect(bad).toEqual({
      file: 'fixtures/invalid/testdata__port-too-high.yaml',
      ok: false,
      error: { code: 'INVALID_VALUE', path: 'services.web.expose[0].port', line: 8, column: 15, message: expect.any(String) }
    })
    expect(good.ok).toBe(true)
  })

  it('reports a missing file as a rejection, not a crash', async () => {
    const { code, out } = await run(['nope.yaml'], true)
    expect(code).toBe(2)
    expect(JSON.parse(out)).toMatchObject({ file: 'nope.yaml', ok: false, error: { code: 'FILE_NOT_FOUND' } })
  })

  it('prints a readable summary with groups, units, prices, GPUs and warnings', async () => {
    const { code, out } = await run(['corpus/AI-Image-App__deploy.yaml', 'corpus/avalanche__deploy.yaml', 'corpus/teamspeak__deploy.yaml'], false)
    expect(code).toBe(2)
    expect(out).toContain('corpus/AI-Image-App__deploy.yaml: ok (SDL 2.0, 1 group')
    expect(out).toContain('group westcoast: max 100000 uact/block')
    expect(out).toContain('unit 1 x1: 1 cpu, 38Gi memory, storage [default 100Gi], 100000 uact/block each')
    expect(out).toContain('gpu: 1 x vendor/nvidia/model/*')
    expect(out).toContain('warning (line 27) [NON_GO_UNIT]')
    expect(out).toMatch(/teamspeak__deploy\.yaml:\d+:\d+: rejected \[YAML_SYNTAX\]/)
    expect(out).not.toMatch(/\n\s+at /) // no stack traces
  })
})
