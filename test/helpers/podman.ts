/**
 * A private, throwaway Podman API service for tests and benchmarks, started and stopped by
 * scripts/podman-ci.sh (own storage, config and socket in a fresh temporary directory; nothing
 * in /etc or /var/lib/containers; `stop` removes everything and checks the host is unchanged).
 * It builds `localhost/tiny:1`: busybox-static with httpd, sh, dd, and /www/index.html.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const TINY_IMAGE = 'localhost/tiny:1'

export interface PodmanService {
  dir: string
  socketPath: string
  /** The CONTAINERS_* variables the service runs with (for the podman CLI, if needed). */
  env: Record<string, string>
  /** host:port that podman may pull from over plain HTTP (tests run a fake registry there). */
  registry: string
  /** Stops the service and removes every container, image and file it made. Idempotent. */
  stop: () => Promise<void>
}

function onPath (name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some(d => d !== '' && existsSync(join(d, name)))
}

/** Why this host cannot run the real-runtime tests, or undefined when it can. */
export function podmanSkipReason (): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (rootful podman)'
  const missing = [['podman', 'podman'], ['runc', 'runc'], ['curl', 'curl']].filter(([bin]) => !onPath(bin as string)).map(([, pkg]) => pkg as string)
  if (!existsSync('/bin/busybox')) missing.push('busybox-static')
  if (missing.length > 0) return `podman not installed (apt-get install -y ${missing.join(' ')})`
  return undefined
}

/** The repository root, from src (vitest) or dist (benchmarks) alike. */
export function repoRoot (): string {
  let d = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'scripts', 'podman-ci.sh'))) return d
    d = dirname(d)
  }
  throw new Error('repository root (with scripts/podman-ci.sh) not found')
}

async function run (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string, stderr: string }> {
  return await new Promise((resolve, reject) => {
    execFile(join(repoRoot(), 'scripts', 'podman-ci.sh'), args, { env, cwd: tmpdir(), timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`podman-ci.sh ${args[0] ?? ''} failed: ${err.message}\n${stderr}`))
      else resolve({ stdout, stderr })
    })
  })
}

/** A port nothing listens on now, for the fake registry. */
export async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const addr = srv.address()
  await new Promise<void>((resolve) => srv.close(() => resolve()))
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

/** `export K='v'` lines as printed by the script (bash %q of plain paths). */
function parseExports (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim())
    if (m === null) continue
    out[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1').replace(/\\(.)/g, '$1')
  }
  return out
}

export async function startPodman (): Promise<PodmanService> {
  const skip = podmanSkipReason()
  if (skip !== undefined) throw new Error(`cannot start podman: ${skip}`)
  const dir = await mkdtemp(join(tmpdir(), 'skymesh-podman-'))
  const registry = `127.0.0.1:${await freePort()}`
  // Only what the script needs: inherited CONTAINERS_* or DOCKER_HOST of the caller must not leak in.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: tmpdir(),
    PODMAN_CI_NO_INSTALL: '1',
    PODMAN_CI_LOCAL_REGISTRY: registry
  }
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (!existsSync(dir)) return
    await run(['stop', dir], env, 180_000)
  }
  try {
    await run(['start', dir], env, 300_000)
  } catch (err) {
    // A failed start cleans up after itself (its EXIT trap also runs on our SIGTERM after a
    // timeout). If its marker is still there, its own stop removes what it made: a plain rm
    // must never run across the overlay mounts podman may have left under the dir.
    stopped = true
    if (existsSync(join(dir, '.podman-ci'))) await run(['stop', dir], env, 180_000).catch(() => undefined)
    else await rm(dir, { recursive: true, force: true }).catch(() => undefined)
    throw err
  }
  const exported = parseExports(await readFile(join(dir, 'env.sh'), 'utf8'))
  const socketPath = exported.PODMAN_SOCK ?? join(dir, 'podman.sock')
  const svcEnv: Record<string, string> = {}
  for (const k of ['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'CONTAINERS_REGISTRIES_CONF', 'PODMAN_CI_DIR']) {
    const v = exported[k]
    if (v !== undefined) svcEnv[k] = v
  }
  return { dir, socketPath, env: svcEnv, registry, stop }
}
