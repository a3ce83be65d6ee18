import { readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../config/index.js'
import type { Role } from './roles.js'

export const RUNTIME_FILE_NAME = 'node.json'

/** What a running node writes to its data directory so the CLI (and people) can find it. */
export interface RuntimeFile {
  peerId: string
  multiaddrs: string[]
  /** base URL of the local API, e.g. http://127.0.0.1:40123; empty until the API listens */
  api: string
  pid: number
  roles: Role[]
  network: string
  startedAt: string
}

export function runtimeFilePath (dataDir: string): string {
  return join(dataDir, RUNTIME_FILE_NAME)
}

export async function writeRuntimeFile (dataDir: string, info: RuntimeFile): Promise<void> {
  await writeFileAtomic(runtimeFilePath(dataDir), JSON.stringify(info, null, 2) + '\n', 0o600)
}

/** The runtime file, or undefined when there is none or it is not ours to read. */
export async function readRuntimeFile (dataDir: string): Promise<RuntimeFile | undefined> {
  let text: string
  try {
    text = await readFile(runtimeFilePath(dataDir), 'utf8')
  } catch {
    return undefined
  }
  try {
    const v = JSON.parse(text) as Partial<RuntimeFile>
    if (typeof v.peerId !== 'string' || typeof v.api !== 'string' || typeof v.pid !== 'number' || !Array.isArray(v.multiaddrs)) return undefined
    return v as RuntimeFile
  } catch {
    return undefined
  }
}

/** Remove the runtime file if it is still the one this process wrote. */
export async function removeRuntimeFile (dataDir: string, pid = process.pid): Promise<void> {
  const cur = await readRuntimeFile(dataDir)
  if (cur !== undefined && cur.pid === pid) await unlink(runtimeFilePath(dataDir)).catch(() => {})
}

/** True when a process with this pid exists (signal 0 checks without signalling). */
export function processAlive (pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
