import { tempDir } from './io.js'
import { spawnCli, type Spawned } from './spawn.js'

/** A skymesh node process started from the compiled CLI, with its API at hand. */
export interface MeshProc {
  proc: Spawned
  dataDir: string
  peerId: string
  multiaddrs: string[]
  api: string
  get: <T = unknown>(path: string) => Promise<T>
}

/** Start `skymesh <args> --data DIR --json` and wait for its first JSON line. */
export async function startMeshNode (args: string[], opts: { dataDir?: string, timeoutMs?: number } = {}): Promise<MeshProc & { cleanupDir: () => Promise<void> }> {
  let cleanupDir = async (): Promise<void> => {}
  let dataDir = opts.dataDir
  if (dataDir === undefined) {
    const d = await tempDir('skymesh-e2e-')
    dataDir = d.path
    cleanupDir = d.cleanup
  }
  const proc = spawnCli([...args, '--data', dataDir, '--json'], opts.timeoutMs ?? 20_000)
  let first: Record<string, unknown>
  try {
    first = await proc.firstJson
  } catch (err) {
    await proc.stop(1000)
    await cleanupDir()
    throw err
  }
  const api = first.api as string
  const get = async <T = unknown>(path: string): Promise<T> => {
    const res = await fetch(api + path, { signal: AbortSignal.timeout(5000) })
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
    return await res.json() as T
  }
  return { proc, dataDir, peerId: first.peerId as string, multiaddrs: first.multiaddrs as string[], api, get, cleanupDir }
}

/** Poll `fn` until it returns a value that is not undefined/false, or fail after timeoutMs. */
export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      lastErr = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr !== undefined ? ` (last error: ${String(lastErr)})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
