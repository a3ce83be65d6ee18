import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaseView, OrderView } from '../../src/api/index.js'
import { TINY_IMAGE, podmanSkipReason, startPodman, type PodmanService } from '../helpers/podman.js'
import { deploy, readMarket, startHonestMesh, type HonestMesh, type HonestNode } from '../helpers/hostile-mesh.js'
import { waitFor } from '../helpers/mesh.js'

/**
 * Providers run the workload (issue 13), end to end over CLI processes: a relay, a provider
 * whose leases run on a private Podman service (Docker Engine API), a provider with no usable
 * runtime, and a tenant. The tenant deploys an SDL whose image serves HTTP; the lease's endpoint
 * answers, the tenant reads status and logs through its own node (which asks the provider over
 * the lease protocol), the memory limit is enforced, a close removes every container, and a
 * provider killed and restarted starts nothing twice.
 */
const exec = promisify(execFile)
const skip = podmanSkipReason()
if (skip !== undefined) console.log(`workload e2e skipped: ${skip}`)

const sdl = (name: string, script = `echo started ${name}; exec httpd -f -p 80 -h /www`, memory = '64Mi'): string => `version: "2.0"
services:
  ${name}:
    image: ${TINY_IMAGE}
    command: ["/bin/sh"]
    args: ["-c", ${JSON.stringify(script)}]
    expose:
      - port: 80
        as: 80
        to:
          - global: true
profiles:
  compute:
    ${name}:
      resources:
        cpu: { units: 0.1 }
        memory: { size: ${memory} }
        storage: { size: 64Mi }
  placement:
    local:
      pricing:
        ${name}: { denom: uact, amount: 100000 }
deployment:
  ${name}:
    local: { profile: ${name}, count: 1 }
`

let podman: PodmanService | undefined
/** the runner provider restarted by a test: stopped by afterAll */
let restarted: { stop: (graceMs?: number) => Promise<number | null> } | undefined
let mesh: HonestMesh
let tenant: HonestNode
let runner: HonestNode

async function leaseOf (orderId: string, state: LeaseView['state'] = 'active'): Promise<LeaseView> {
  return await waitFor(`lease ${state}`, async () => {
    const o: OrderView | undefined = (await readMarket(tenant)).orders.find((x) => x.orderId === orderId)
    return o?.lease?.state === state ? o.lease : undefined
  }, 30_000, 200)
}

async function containersOf (leaseId: string): Promise<string[]> {
  const r = await exec('curl', ['-s', '--unix-socket', podman!.socketPath, `http://d/v1.41/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: [`skymesh.lease=${leaseId}`] }))}`])
  return (JSON.parse(r.stdout) as Array<{ Id: string }>).map((c) => c.Id)
}

describe.skipIf(skip !== undefined)('providers run the workload (real Podman)', () => {
  beforeAll(async () => {
    podman = await startPodman()
    mesh = await startHonestMesh({
      providers: [
        { name: 'runner', cpuUsdPerMonth: '1.00', config: { provider: { workloads: 'run', runtimeEndpoint: `unix://${podman.socketPath}` } } },
        // cheaper, but it cannot run anything: it must not bid, and say why
        { name: 'noruntime', cpuUsdPerMonth: '0.50', config: { provider: { workloads: 'run', runtimeEndpoint: 'unix:///nonexistent/podman.sock' } } }
      ],
      commitWindowMs: 1500,
      revealWindowMs: 1500
    })
    tenant = mesh.tenant!
    runner = mesh.node('runner')
  }, 180_000)

  afterAll(async () => {
    await restarted?.stop(3000)
    await mesh?.stop()
    await podman?.stop()
  }, 60_000)

  it('deploy to a running endpoint: the page answers, status and logs reach the tenant, the runtime-less provider says why it did not bid', async () => {
    const [orderId] = await deploy(tenant, sdl('web'))
    const lease = await leaseOf(orderId!)
    expect(lease.provider).toBe(runner.peerId)
    const o = (await readMarket(tenant)).orders.find((x) => x.orderId === orderId)
    expect(o?.noBids.find((n) => n.provider === mesh.node('noruntime').peerId)?.reasons.map((r) => r.code)).toContain('RUNTIME_UNAVAILABLE')
    const c = await tenant.client()
    const status = await waitFor('service ready', async () => { const s = await c.leaseStatus(lease.leaseId); return s.ready ? s : undefined }, 20_000, 250)
    // the lease's state follows its workload
    expect((status as { state?: string }).state).toBe('running')
    const uri = status.services[0]?.endpoints[0]?.uri
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const page = await fetch(uri!, { signal: AbortSignal.timeout(5000) })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('hello from tiny')
    // logs through the tenant's node (asked of the provider); the provider's own node too
    const lines = await waitFor('a log line', async () => { const l = await c.leaseLogs(lease.leaseId, { tail: 50 }); return l.length > 0 ? l : undefined }, 10_000, 500)
    expect(lines.map((l) => l.line)).toContain('started web')
    expect(lines[0]).toMatchObject({ service: 'web', replica: 0 })
    // the announce names the runtime
    const providers = (await tenant.get<{ providers: Array<{ peerId: string, runtime: string }> }>('/providers')).providers
    expect(providers.find((p) => p.peerId === runner.peerId)?.runtime).toMatch(/^podman /)
    expect(providers.find((p) => p.peerId === mesh.node('noruntime').peerId)?.runtime).toBe('none')

    // somebody else cannot read it: the relay's node is no party
    const r = await mesh.relay.client()
    await expect(r.leaseStatus(lease.leaseId)).rejects.toMatchObject({ code: 'NOT_A_PARTY' })

    // a provider killed and restarted adopts what runs, and starts nothing twice
    const before = await containersOf(lease.leaseId)
    expect(before.length).toBe(1)
    await runner.proc.stop(5000)
    const again = await startRunnerAgain()
    await waitFor('the restarted provider answers status', async () => { try { return (await c.leaseStatus(lease.leaseId)).ready } catch { return false } }, 30_000, 500)
    expect(await containersOf(lease.leaseId)).toEqual(before)
    expect(again).toBeDefined()

    // a close removes every container of the lease
    await c.post('/leases/close', { leaseId: lease.leaseId, reason: 'done' })
    await waitFor('containers removed', async () => (await containersOf(lease.leaseId)).length === 0, 30_000, 500)
  }, 180_000)

  it('a service over its memory limit is killed (exit 137) and status says so', async () => {
    const [orderId] = await deploy(tenant, sdl('hog', 'echo allocating; httpd -p 80 -h /www; sleep 1; exec dd if=/dev/zero of=/dev/null bs=200M count=1', '32Mi'))
    const lease = await leaseOf(orderId!)
    const c = await tenant.client()
    const status = await waitFor('the hog killed', async () => {
      const s = await c.leaseStatus(lease.leaseId)
      return s.services[0]?.replicas.some((r) => r.exitCode === 137 || r.reason === 'oom-killed') === true || s.services[0]?.lastEvents.some((e) => e.exitCode === 137) === true ? s : undefined
    }, 40_000, 500)
    expect(status.services[0]?.name).toBe('hog')
    await c.post('/leases/close', { leaseId: lease.leaseId, reason: 'done' })
    await waitFor('containers removed', async () => (await containersOf(lease.leaseId)).length === 0, 30_000, 500)
  }, 120_000)

  it('an image that does not exist: the provider refuses the manifest and the tenant sees why', async () => {
    const [orderId] = await deploy(tenant, sdl('web').replace(TINY_IMAGE, 'localhost/absent:1'))
    const failed = await waitFor('the refusal reaches the tenant', async () => {
      const o = (await readMarket(tenant)).orders.find((x) => x.orderId === orderId)
      return o?.lease?.failure !== undefined ? o.lease : undefined
    }, 60_000, 500)
    expect(failed.failure?.code).toMatch(/IMAGE_NOT_FOUND|PULL_FAILED/)
    expect(failed.failure?.message).toContain('absent')
  }, 90_000)
})

/** Restart the runner provider on its data directory (same key, same config). */
async function startRunnerAgain (): Promise<unknown> {
  const { startMeshNode } = await import('../helpers/mesh.js')
  const p = await startMeshNode(['provider', '--bootstrap', mesh.relay.tcpAddr, '--pricing', `${runner.dataDir}/pricing.yaml`], { dataDir: runner.dataDir })
  restarted = p.proc
  return p
}
