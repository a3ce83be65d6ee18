import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export const BIN = new URL('../../dist/src/cli/bin.js', import.meta.url).pathname

export interface Spawned {
  child: ChildProcess
  /** resolves with the first stdout line that parses as JSON */
  firstJson: Promise<Record<string, unknown>>
  stderr: () => string
  /** SIGINT, then SIGKILL after graceMs; resolves with the exit code */
  stop: (graceMs?: number) => Promise<number | null>
  /** resolves with the exit code when the process ends by itself (SIGKILL after timeoutMs) */
  exited: (timeoutMs?: number) => Promise<number | null>
}

/** Run the compiled skymesh CLI as a separate process. */
export function spawnCli (args: string[], timeoutMs = 20_000): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no JSON line within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs)
    const rl = createInterface({ input: child.stdout! })
    rl.on('line', (line) => {
      try {
        const v = JSON.parse(line) as Record<string, unknown>
        clearTimeout(timer)
        resolve(v)
      } catch { /* human line */ }
    })
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before printing JSON; stderr: ${err}`)) })
  })
  firstJson.catch(() => {})
  return {
    child,
    firstJson,
    stderr: () => err,
    exited: async (ms = timeoutMs) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms)
      const code = await exited
      clearTimeout(timer)
      return code
    },
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}
