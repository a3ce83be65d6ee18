/**
 * The executor against a REAL Podman service (scripts/podman-ci.sh, started and removed here).
 * Skipped, with the reason printed, when not root or podman is not installed.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type Docker from 'dockerode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WorkloadExecutor, connectExecutor, dockerClient, isWorkloadError } from '../../../src/workload/index.js'
import type { ExecutorOptions, LogLine, WorkloadManifest } from '../../../src/workload/index.js'
import { TINY_IMAGE, podmanSkipReason, startPodman } from '../../helpers/podman.js'
import type { PodmanService } from '../../helpers/podman.js'
import { MiB, expose, manifest, service } from './helpers.js'

const skip = podmanSkipReason()
if (skip !== undefined) console.warn(`[workload] real-runtime executor tests skipped: ${skip}`)

const HTTPD = { command: ['/bin/httpd'], args: ['-f', '-p', '80', '-h', '/www'] }
const sh = (script: string): { command: string[], args: string[] } => ({ command: ['/bin/sh'], args: ['-c', script] })

async function waitFor<T> (what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`)
}

async function httpGet (uri: string): Promise<{ status: number, body: string } | undefined> {
  try {
    const res = await fetch(uri, { signal: AbortSignal.timeout(2000) })
    return { status: res.status, body: await res.text() }
  } catch {
    return undefined
  }
}

describe.skipIf(skip !== undefined)('WorkloadExecutor on a real Podman service', () => {
  let podman: PodmanService | undefined
  let ex: WorkloadExecutor
  let docker: Docker
  let registry: Server | undefined
  const leases = new Set<string>()
  const unmanaged: string[] = []
  let n = 0
  const leaseId = (name: string): string => {
    const id = `test-${++n}-${name}/provider`
    leases.add(id)
    return id
  }
  /** An executor with other options over the same runtime (and the same port range). */
  const executor = (opts: Partial<ExecutorOptions>): WorkloadExecutor =>
    new WorkloadExecutor({ ...ex.options, ...opts }, { docker, runtime: ex.runtime })
  const managedOf = async (id: string): Promise<Docker.ContainerInfo[]> =>
    (await docker.listContainers({ all: true })).filter(c => c.Labels['skymesh.lease'] === id && c.Labels['skymesh.managed'] === '1')

  beforeAll(async () => {
    podman = await startPodman()
    docker = dockerClient({ transport: 'unix', socketPath: podman.socketPath, source: 'option' })
    ex = await connectExecutor({
      // Generous: with other test files on both cores, a fresh service can answer slowly.
      runtime: { endpoint: `unix://${podman.socketPath}`, env: {}, probeTimeoutMs: 60_000 },
      allowedRegistries: ['localhost', podman.registry],
      portRange: { min: 31000, max: 31999 }
    })
    // A registry that knows no image: a pull of it fails inside a 200 stream.
    const [host, port] = podman.registry.split(':')
    registry = createServer((req, res) => {
      if (req.url === '/v2/') { res.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0' }); res.end('{}'); return }
      res.writeHead(404, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }))
    })
    await new Promise<void>(resolve => registry?.listen(Number(port), host, resolve))
  }, 300_000)

  afterEach(async () => {
    for (const id of leases) await ex.close(id).catch(() => undefined)
    leases.clear()
    for (const id of unmanaged.splice(0)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined)
  }, 120_000)

  afterAll(async () => {
    ex?.stop()
    if (registry !== undefined) await new Promise<void>(resolve => { registry?.closeAllConnections(); registry?.close(() => resolve()) })
    // Removes every container, image and file of the service; fails if the host changed.
    await podman?.stop()
  }, 300_000)

  it('probes the runtime: podman, API 1.41, slirp4netns networking', () => {
    expect(ex.runtime).toMatchObject({ kind: 'podman', apiVersion: '1.41' })
    expect(ex.network).toBe('slirp4netns')
  })

  it('deploys a service whose HTTP endpoint answers from the host; a second deploy starts nothing', async () => {
    const m = manifest(leaseId('web'), [service('web', { ...HTTPD, count: 2, expose: [expose(80)] })])
    const first = await ex.deploy(m)
    expect(first.created).toHaveLength(2)
    expect(first.started).toEqual(first.created)
    expect(first.images).toEqual({ [TINY_IMAGE]: 'present' })
    expect(first.endpoints).toHaveLength(2)
    for (const e of first.endpoints) {
      expect(e.uri).toMatch(/^http:\/\/127\.0\.0\.1:31\d{3}$/)
      const res = await waitFor(`${e.uri} to answer`, async () => await httpGet(e.uri))
      expect(res).toEqual({ status: 200, body: '<h1>hello from tiny</h1>\n' })
    }
    const before = await ex.status(m.leaseId)
    expect(before.ready).toBe(true)
    expect(before.services[0]).toMatchObject({ name: 'web', image: TINY_IMAGE, desired: 2, ready: 2, restarts: 0, state: 'ready' })

    const again = await ex.deploy(m)
    expect(again).toMatchObject({ created: [], started: [], replaced: [], removed: [], failed: [] })
    expect(again.adopted.sort()).toEqual([...first.created].sort())
    expect(again.endpoints.map(e => e.uri).sort()).toEqual(first.endpoints.map(e => e.uri).sort())
    const after = await ex.status(m.leaseId)
    expect(after.services[0]!.replicas.map(r => [r.containerId, r.startedAt, r.restarts]))
      .toEqual(before.services[0]!.replicas.map(r => [r.containerId, r.startedAt, 0]))
    expect(await managedOf(m.leaseId)).toHaveLength(2)
  }, 60_000)

  it('applies limits and isolation in the runtime: cgroup limits, capabilities, read-only root', async () => {
    const m = manifest(leaseId('iso'), [service('probe', {
      ...sh('touch /x 2>/dev/null && echo root-writable || echo root-readonly; touch /tmp/y && echo tmp-writable; ' +
        'grep CapEff /proc/self/status; exec sleep 3600'),
      cpuMillicores: 500,
      memoryBytes: 48 * MiB
    })])
    const r = await ex.deploy(m)
    const info = await docker.getContainer(r.created[0]!).inspect()
    expect(info.HostConfig).toMatchObject({ NanoCpus: 500_000_000, Memory: 48 * MiB, MemorySwap: 48 * MiB, PidsLimit: 1024, ReadonlyRootfs: true, Privileged: false, NetworkMode: 'slirp4netns' })
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges')
    const lines = await waitFor('the probe output', async () => {
      const got: LogLine[] = []
      for await (const l of ex.logs(m.leaseId)) got.push(l)
      return got.some(l => l.line.startsWith('CapEff')) ? got.map(l => l.line) : undefined
    })
    expect(lines).toContain('root-readonly')
    expect(lines).toContain('tmp-writable')
    expect(lines).toContain('CapEff:\t0000000000000000')
  }, 60_000)

  it("a tenant container reaches neither the host's loopback nor another lease's endpoint", async () => {
    const a = manifest(leaseId('net-a'), [service('web', { ...HTTPD, expose: [expose(80)] })])
    const ra = await ex.deploy(a)
    const port = ra.endpoints[0]!.hostPort
    await waitFor('lease a to answer', async () => await httpGet(ra.endpoints[0]!.uri))
    // 10.0.2.2 is the host as slirp4netns shows it; host loopback access is off by default.
    const b = manifest(leaseId('net-b'), [service('probe', sh(
      // Its own server on 8080 is the control: the client works, only the host is out of reach.
      // busybox-static's wget segfaults (static glibc, no NSS), nc with numeric addresses works.
      `httpd -p 8080 -h /www; for t in 127.0.0.1:8080 127.0.0.1:${port} 10.0.2.2:${port}; do ` +
      'printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 2 ${t%:*} ${t#*:} 2>&1 | grep -q "200 OK" && echo "reached $t" || echo "blocked $t"; done; echo done; exec sleep 3600'))])
    await ex.deploy(b)
    const lines = await waitFor('the probe to finish', async () => {
      const got: string[] = []
      for await (const l of ex.logs(b.leaseId)) got.push(l.line)
      return got.includes('done') ? got : undefined
    })
    expect(lines.filter(l => l.startsWith('reached'))).toEqual(['reached 127.0.0.1:8080'])
    expect(lines.filter(l => l.startsWith('blocked'))).toHaveLength(2)
  }, 60_000)

  it('enforces the memory limit: a process allocating beyond it exits 137 and status says oom-killed', async () => {
    const m = manifest(leaseId('oom'), [service('hog', { ...sh('echo allocating; exec dd if=/dev/zero of=/dev/null bs=200M count=1'), memoryBytes: 32 * MiB })])
    await executor({ restartPolicy: { name: 'on-failure', maxRetries: 1 } }).deploy(m)
    const st = await waitFor('the replica to fail', async () => {
      const s = await ex.status(m.leaseId)
      return s.services[0]?.state === 'failed' ? s : undefined
    })
    expect(st.services[0]!.replicas[0]).toMatchObject({ state: 'failed', exitCode: 137, reason: 'oom-killed', restarts: 1 })
    // The runtime's die events carry each exit, the restarted one included.
    const dies = await waitFor('die events', async () => {
      const d = (await ex.status(m.leaseId)).services[0]!.lastEvents.filter(e => e.action === 'die')
      return d.length >= 2 ? d : undefined
    })
    expect(dies.every(e => e.exitCode === 137 && e.reason === 'oom-killed')).toBe(true)
  }, 60_000)

  it('a command that exits at once: failed, with its exit code, after the bounded restarts', async () => {
    const retries = 2
    const m = manifest(leaseId('exit'), [service('job', sh('echo bye; echo oops >&2; exit 3'))])
    const r = await executor({ restartPolicy: { name: 'on-failure', maxRetries: retries } }).deploy(m)
    expect(r.failed).toEqual([])
    const st = await waitFor('the replica to give up', async () => {
      const s = await ex.status(m.leaseId)
      return s.services[0]?.state === 'failed' ? s : undefined
    })
    expect(st.services[0]).toMatchObject({ state: 'failed', ready: 0, desired: 1, restarts: retries })
    expect(st.services[0]!.replicas[0]).toMatchObject({ state: 'failed', exitCode: 3, reason: 'error', restarts: retries })
    const lines: LogLine[] = []
    for await (const l of ex.logs(m.leaseId, { service: 'job' })) lines.push(l)
    expect(lines.filter(l => l.stream === 'stdout' && l.line === 'bye')).toHaveLength(retries + 1)
    expect(lines.filter(l => l.stream === 'stderr' && l.line === 'oops')).toHaveLength(retries + 1)
    expect(lines.every(l => l.service === 'job' && l.replica === 0)).toBe(true)
  }, 60_000)

  it('missing, unpullable and forbidden images fail with typed errors and create nothing', async () => {
    const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (e: unknown) => isWorkloadError(e) ? e.code : String(e))
    const never = executor({ pullPolicy: 'never' })
    const a = manifest(leaseId('noimg'), [service('web', { image: 'localhost/absent:1' })])
    expect(await codeOf(never.deploy(a))).toBe('IMAGE_NOT_FOUND')
    // The registry answers "manifest unknown" inside an HTTP 200 pull stream.
    const b = manifest(leaseId('noimg-reg'), [service('web', { image: `${podman!.registry}/missing:1` })])
    const err = await ex.deploy(b).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'IMAGE_NOT_FOUND', badInput: true })
    expect((err as Error).message).toMatch(/manifest unknown/)
    const c = manifest(leaseId('pullfail'), [service('web', { image: 'localhost/absent:1' })])
    expect(await codeOf(ex.deploy(c))).toBe('PULL_FAILED')
    const d = manifest(leaseId('forbidden'), [service('web', { image: 'docker.io/library/nginx:1.25' })])
    expect(await codeOf(ex.deploy(d))).toBe('IMAGE_NOT_ALLOWED')
    for (const m of [a, b, c, d]) expect(await managedOf(m.leaseId)).toEqual([])
  }, 60_000)

  it('logs: demultiplexed lines, tail, and follow until the consumer stops', async () => {
    const m = manifest(leaseId('logs'), [service('talk', sh('echo one; echo two >&2; sleep 1; echo three; exec sleep 3600'))])
    await ex.deploy(m)
    const followed: LogLine[] = []
    for await (const l of ex.logs(m.leaseId, { follow: true, timestamps: true })) {
      followed.push(l)
      if (l.line === 'three') break
    }
    expect(followed.map(l => [l.stream, l.line])).toEqual([['stdout', 'one'], ['stderr', 'two'], ['stdout', 'three']])
    expect(followed.every(l => l.time !== undefined && !Number.isNaN(Date.parse(l.time)))).toBe(true)
    const all: LogLine[] = []
    for await (const l of ex.logs(m.leaseId, { follow: false })) all.push(l)
    expect(all.map(l => l.line)).toEqual(['one', 'two', 'three'])
    const tail: LogLine[] = []
    for await (const l of ex.logs(m.leaseId, { tail: 1 })) tail.push(l)
    expect(tail.map(l => l.line)).toEqual(['three'])
    // An aborted follow ends quietly.
    const ac = new AbortController()
    const seen: string[] = []
    setTimeout(() => ac.abort(), 500)
    for await (const l of ex.logs(m.leaseId, { follow: true, signal: ac.signal })) seen.push(l.line)
    expect(seen).toEqual(['one', 'two', 'three'])
    await expect((async () => { for await (const _ of ex.logs(m.leaseId, { service: 'nope' })) break })()).rejects.toMatchObject({ code: 'NOT_FOUND' })
  }, 60_000)

  it("close removes every container of that lease and leaves another lease's and unmanaged ones running", async () => {
    const a = manifest(leaseId('close-a'), [service('web', { ...HTTPD, expose: [expose(80)] }), service('side', sh('exec sleep 3600'))])
    const b = manifest(leaseId('close-b'), [service('web', { ...HTTPD, expose: [expose(80)] })])
    await ex.deploy(a)
    const rb = await ex.deploy(b)
    // Looks like lease a's, but not managed: must survive.
    const stray = await docker.createContainer({ Image: TINY_IMAGE, Cmd: ['sleep', '3600'], Labels: { 'skymesh.lease': a.leaseId }, HostConfig: { NetworkMode: 'none' } })
    unmanaged.push(stray.id)
    await stray.start()

    const closed = await ex.close(a.leaseId)
    expect(closed.removed).toHaveLength(2)
    expect(await managedOf(a.leaseId)).toEqual([])
    expect((await stray.inspect()).State.Running).toBe(true)
    const sb = await ex.status(b.leaseId)
    expect(sb.ready).toBe(true)
    expect(await waitFor('lease b to answer', async () => await httpGet(rb.endpoints[0]!.uri))).toMatchObject({ status: 200 })
    await expect(ex.status(a.leaseId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await ex.close(a.leaseId)).toMatchObject({ removed: [] })
  }, 60_000)

  it('reconcile adopts running leases, recreates missing replicas, starts stopped ones and removes orphans', async () => {
    const keep = manifest(leaseId('rc-keep'), [service('web', { ...HTTPD, expose: [expose(80)] })])
    const heal = manifest(leaseId('rc-heal'), [service('web', { ...HTTPD, count: 2, expose: [expose(80)] })])
    const orphan = manifest(leaseId('rc-orphan'), [service('web', sh('exec sleep 3600'))])
    const stopped = manifest(leaseId('rc-stopped'), [service('web', sh('exec sleep 3600'))])
    const rk = await ex.deploy(keep)
    const rh = await ex.deploy(heal)
    await ex.deploy(orphan)
    const rs = await ex.deploy(stopped)
    const stray = await docker.createContainer({ Image: TINY_IMAGE, Cmd: ['sleep', '3600'], Labels: { 'skymesh.lease': orphan.leaseId }, HostConfig: { NetworkMode: 'none' } })
    unmanaged.push(stray.id)
    await stray.start()
    // What a crash or an operator leaves behind: one replica gone, one lease stopped.
    await docker.getContainer(rh.created[1]!).remove({ force: true })
    await docker.getContainer(rs.created[0]!).stop({ t: 1 })

    // A fresh executor, as after a provider restart: it knows nothing but the labels.
    const fresh = new WorkloadExecutor(ex.options, { docker, runtime: ex.runtime })
    const keepBefore = (await docker.getContainer(rk.created[0]!).inspect()).State.StartedAt
    const res = await fresh.reconcile([keep, heal, stopped.leaseId])
    expect(res.errors).toEqual([])
    expect(res.orphanLeases).toEqual([orphan.leaseId])
    expect(res.created).toEqual([rh.created[1]])
    expect(res.started).toEqual([rs.created[0]])
    expect(res.adopted).toEqual(expect.arrayContaining([rk.created[0], rh.created[0], rs.created[0]]))
    expect(await managedOf(orphan.leaseId)).toEqual([])
    expect((await stray.inspect()).State.Running).toBe(true)
    expect((await docker.getContainer(rk.created[0]!).inspect()).State.StartedAt).toBe(keepBefore)
    const sh2 = await fresh.status(heal.leaseId)
    expect(sh2.services[0]).toMatchObject({ desired: 2, ready: 2 })
    // The recreated replica got its endpoint back when the port was still free.
    expect(sh2.services[0]!.endpoints.map(e => e.uri).sort()).toEqual(rh.endpoints.map(e => e.uri).sort())
    expect((await fresh.status(stopped.leaseId)).ready).toBe(true)
    // Nothing left to do: a second reconcile only adopts.
    const again = await fresh.reconcile([keep, heal, stopped.leaseId])
    expect(again).toMatchObject({ created: [], started: [], removed: [], orphanLeases: [], errors: [] })
  }, 90_000)

  it('a manifest update replaces changed replicas, keeps their endpoints, and removes those above count', async () => {
    const m = manifest(leaseId('update'), [service('web', { ...HTTPD, count: 2, expose: [expose(80)] })])
    const r1 = await ex.deploy(m)
    const updated: WorkloadManifest = { ...m, services: [{ ...m.services[0]!, count: 1, env: ['VERSION=2'] }] }
    const r2 = await ex.deploy(updated)
    expect(r2.replaced).toEqual([r1.created[0]])
    expect(r2.removed).toEqual([r1.created[1]])
    expect(r2.endpoints.map(e => e.uri)).toEqual([r1.endpoints[0]!.uri])
    const info = await docker.getContainer(r2.created[0]!).inspect()
    expect(info.Config.Env).toContain('VERSION=2')
    expect(await managedOf(m.leaseId)).toHaveLength(1)
  }, 60_000)

  it('PORTS_EXHAUSTED when the range cannot serve every replica, with nothing created', async () => {
    const narrow = executor({ portRange: { min: 32500, max: 32500 } })
    const m = manifest(leaseId('ports'), [service('web', { ...HTTPD, count: 2, expose: [expose(80)] })])
    await expect(narrow.deploy(m)).rejects.toMatchObject({ code: 'PORTS_EXHAUSTED' })
    expect(await managedOf(m.leaseId)).toEqual([])
  }, 60_000)

  it('refuses what Podman here cannot do: per-lease networks, host network without consent', () => {
    expect(() => executor({ network: 'lease' })).toThrow(expect.objectContaining({ code: 'NETWORK_UNAVAILABLE' }))
    expect(() => executor({ network: 'host' })).toThrow(expect.objectContaining({ code: 'BAD_OPTIONS' }))
  })
})

describe('real-runtime test guard', () => {
  it('names what to install when podman is missing', () => {
    const saved = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const reason = podmanSkipReason()
      expect(reason).toMatch(process.getuid?.() === 0 ? /^podman not installed \(apt-get install -y podman runc curl/ : /^needs root/)
    } finally {
      process.env.PATH = saved
    }
  })
})
