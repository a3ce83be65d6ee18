import { execFile } from 'node:child_process'
import { chmod, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../../../src/cli/main.js'
import { captureContext, tempDir } from '../../helpers/io.js'

const exec = promisify(execFile)
const BIN = new URL('../../../dist/src/cli/bin.js', import.meta.url).pathname

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })
async function dataDir (): Promise<string> {
  const d = await tempDir()
  cleanups.push(d.cleanup)
  return join(d.path, 'node')
}

describe('skymesh CLI', () => {
  it('init is idempotent, writes a 0600 key and prints the same peer id', async () => {
    const d = await dataDir()
    const c1 = captureContext()
    expect(await runCli(['init', '--data', d, '--json'], c1)).toBe(0)
    const first = c1.lines()[0] as { peerId: string, created: boolean }
    expect(first.created).toBe(true)
    const c2 = captureContext()
    expect(await runCli(['init', '--data', d, '--json'], c2)).toBe(0)
    const second = c2.lines()[0] as { peerId: string, created: boolean }
    expect(second).toMatchObject({ peerId: first.peerId, created: false })
    expect((await stat(join(d, 'node.key'))).mode & 0o777).toBe(0o600)
    const c3 = captureContext()
    expect(await runCli(['id', '--data', d], c3)).toBe(0)
    expect(c3.out().trim()).toBe(first.peerId)
  })

  it('id fails with exit 2 and a clear message when the key is world-readable', async () => {
    const d = await dataDir()
    await runCli(['init', '--data', d], captureContext())
    await chmod(join(d, 'node.key'), 0o604)
    const c = captureContext()
    expect(await runCli(['id', '--data', d], c)).toBe(2)
    expect(c.err()).toContain('chmod 600')
    const j = captureContext()
    expect(await runCli(['id', '--data', d, '--json'], j)).toBe(2)
    expect(j.lines()[0]).toMatchObject({ ok: false, error: { code: 'KEY_FILE_PERMISSIONS' } })
  })

  it('bad usage exits 2 with a typed error', async () => {
    const cases: Array<[string[], string]> = [
      [['frobnicate'], 'UNKNOWN_COMMAND'],
      [['id', '--nope'], 'UNKNOWN_OPTION'],
      [['id', 'extra'], 'BAD_ARGUMENT'],
      [['init', '--data'], 'BAD_ARGUMENT']
    ]
    for (const [argv, code] of cases) {
      const c = captureContext()
      expect(await runCli([...argv, '--json'], c)).toBe(2)
      expect(c.lines()[0]).toMatchObject({ ok: false, error: { code } })
    }
    const missing = captureContext()
    expect(await runCli(['id', '--data', '/nonexistent/skymesh'], missing)).toBe(2)
    expect(missing.err()).toContain('skymesh init')
  })

  it('--help lists every command; command help shows its options', async () => {
    const c = captureContext()
    expect(await runCli(['--help'], c)).toBe(0)
    expect(c.out()).toMatch(/init\s/)
    expect(c.out()).toMatch(/id\s/)
    const h = captureContext()
    expect(await runCli(['init', '--help'], h)).toBe(0)
    expect(h.out()).toContain('--data DIR')
  })

  it('the compiled binary runs: --version, init and exit codes', async () => {
    const { stdout } = await exec(process.execPath, [BIN, '--version', '--json'], { timeout: 20_000 })
    expect(JSON.parse(stdout)).toHaveProperty('version')
    const d = await dataDir()
    const init = await exec(process.execPath, [BIN, 'init', '--data', d, '--json'], { timeout: 20_000 })
    expect(JSON.parse(init.stdout)).toMatchObject({ created: true })
    const bad = await exec(process.execPath, [BIN, 'nosuch'], { timeout: 20_000 }).catch((e: { code: number, stderr: string }) => e)
    expect((bad as { code: number }).code).toBe(2)
  })
})
