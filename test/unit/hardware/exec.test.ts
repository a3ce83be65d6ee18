import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findExecutable, runTool } from '../../../src/hardware/exec.js'
import type { ToolDir } from './fake-tools.js'
import { makeToolDir, shellScript } from './fake-tools.js'

let tools: ToolDir
beforeEach(async () => { tools = await makeToolDir() })
afterEach(async () => { await tools.cleanup() })
const opts = { timeoutMs: 2_000, maxOutputBytes: 1024 }

describe('tool runner', () => {
  it('tells missing from failing', async () => {
    expect((await runTool('nope', undefined, [], tools.dir, opts)).kind).toBe('missing')
    await tools.add('fails', shellScript('echo bad 1>&2\nexit 3'))
    const r = await runTool('fails', undefined, [], tools.dir, opts)
    expect(r.kind === 'failed' && r.exitCode === 3 && r.stderr.trim() === 'bad').toBe(true)
  })

  it('ignores non-executable files and relative PATH entries', async () => {
    const p = await tools.add('plain', 'not a script')
    const { chmod } = await import('node:fs/promises')
    await chmod(p, 0o644)
    expect(await findExecutable('plain', tools.dir)).toBeUndefined()
    await tools.add('ok', shellScript('echo hi'))
    expect(await findExecutable('ok', `relative:${tools.dir}`)).toBe(`${tools.dir}/ok`)
  })

  it('caps output', async () => {
    await tools.add('chatty', shellScript('i=0; while [ $i -lt 500 ]; do echo 0123456789; i=$((i+1)); done'))
    const r = await runTool('chatty', undefined, [], tools.dir, opts)
    expect(r.kind === 'failed' && r.reason === 'output-too-large').toBe(true)
  })

  it('kills the whole process group on timeout', async () => {
    await tools.add('hang', shellScript('/bin/sleep 30 &\n/bin/sleep 30'))
    const started = Date.now()
    const r = await runTool('hang', undefined, [], tools.dir, { ...opts, timeoutMs: 200 })
    expect(r.kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(3_000)
  })
})
