import { spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'

/**
 * Running vendor tools (nvidia-smi, rocm-smi, lspci) without ever blocking the event loop or
 * hanging the probe:
 * - an explicit PATH lookup first, so "not installed" is told apart from "installed but failing";
 * - spawn in its own process group, killed as a group with SIGKILL on timeout: a shell wrapper
 *   around a hung driver call leaves children holding the stdout pipe, and waiting for 'close'
 *   would then wait for them;
 * - bounded output.
 */
export type ToolRun =
  | { kind: 'ok', path: string, stdout: string, stderr: string, durationMs: number }
  | { kind: 'missing', tool: string }
  | { kind: 'failed', path: string, exitCode: number | null, signal: string | null, stdout: string, stderr: string, durationMs: number, reason?: 'output-too-large' | 'spawn-error' }
  | { kind: 'timeout', path: string, timeoutMs: number, stdout: string, stderr: string }

export interface RunToolOptions {
  timeoutMs: number
  maxOutputBytes: number
  /** Environment for the child; PATH is set to the lookup PATH so wrappers find their own tools. */
  env?: NodeJS.ProcessEnv
}

async function isExecutableFile (p: string): Promise<boolean> {
  try {
    const s = await stat(p)
    if (!s.isFile()) return false
    await access(p, fsConstants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `which`: the first executable file named `name` on `pathEnv`, or undefined. */
export async function findExecutable (name: string, pathEnv: string | undefined): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutableFile(name)) ? name : undefined
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, name)
    if (await isExecutableFile(candidate)) return candidate
  }
  return undefined
}

/** Resolve the tool (explicit path or PATH lookup) and run it. */
export async function runTool (name: string, explicitPath: string | undefined, args: string[], pathEnv: string | undefined, opts: RunToolOptions): Promise<ToolRun> {
  const path = explicitPath !== undefined
    ? ((await isExecutableFile(explicitPath)) ? explicitPath : undefined)
    : await findExecutable(name, pathEnv)
  if (path === undefined) return { kind: 'missing', tool: explicitPath ?? name }
  return await execBounded(path, args, { ...opts, env: { ...(opts.env ?? process.env), PATH: pathEnv ?? '' } })
}

export async function execBounded (path: string, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  const started = performance.now()
  return await new Promise<ToolRun>((resolve) => {
    const out: Buffer[] = []
    const err: Buffer[] = []
    let bytes = 0
    let settled = false
    let tooLarge = false
    const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8')

    const child = spawn(path, args, {
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      windowsHide: true
    })

    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        try { child.kill('SIGKILL') } catch { /* already gone */ }
      }
    }

    const finish = (run: ToolRun): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve(run)
    }

    const timer = setTimeout(() => {
      killGroup()
      finish({ kind: 'timeout', path, timeoutMs: opts.timeoutMs, stdout: text(out), stderr: text(err) })
    }, opts.timeoutMs)

    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      bytes += chunk.length
      if (bytes > opts.maxOutputBytes) {
        tooLarge = true
        killGroup()
        return
      }
      into.push(chunk)
    }
    child.stdout.on('data', collect(out))
    child.stderr.on('data', collect(err))

    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ kind: 'failed', path, exitCode: null, signal: null, stdout: '', stderr: e.message, durationMs: performance.now() - started, reason: 'spawn-error' })
    })
    child.on('close', (code, signal) => {
      const durationMs = performance.now() - started
      if (tooLarge) {
        finish({ kind: 'failed', path, exitCode: code, signal, stdout: text(out), stderr: text(err), durationMs, reason: 'output-too-large' })
      } else if (code === 0) {
        finish({ kind: 'ok', path, stdout: text(out), stderr: text(err), durationMs })
      } else {
        finish({ kind: 'failed', path, exitCode: code, signal, stdout: text(out), stderr: text(err), durationMs })
      }
    })
  })
}
