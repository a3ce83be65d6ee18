import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CommandContext } from '../../src/cli/command.js'

/** A CommandContext whose output is captured, for running commands in-process. */
export function captureContext (overrides: Partial<CommandContext> = {}): CommandContext & { out: () => string, err: () => string, lines: () => unknown[] } {
  let out = ''
  let err = ''
  return {
    io: { stdout: (t) => { out += t }, stderr: (t) => { err += t } },
    env: { HOME: tmpdir() },
    cwd: process.cwd(),
    signal: new AbortController().signal,
    ...overrides,
    out: () => out,
    err: () => err,
    lines: () => out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown)
  }
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir (prefix = 'skymesh-test-'): Promise<{ path: string, cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, cleanup: async () => { await rm(path, { recursive: true, force: true }) } }
}

/**
 * Temporary directories removed after each test: call in a test file's top level, then
 * `await dir()` in a test.
 */
export function tempDirsPerTest (afterEach: (fn: () => Promise<void>) => void): () => Promise<string> {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })
  return async () => {
    const d = await tempDir()
    cleanups.push(d.cleanup)
    return d.path
  }
}
