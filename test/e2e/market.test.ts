import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaseView, NodeStatus, OrderView, ProviderView } from '../../src/api/index.js'
import { tempDir } from '../helpers/io.js'
import { startMeshNode, waitFor, type MeshProc } from '../helpers/mesh.js'
import { spawnCli } from '../helpers/spawn.js'

/**
 * Issue 7's scenario, every node a separate CLI process on 127.0.0.1: a relay, three providers
 * with different prices, a provider that cannot serve the order (its capacity is reserved), and a
 * tenant. A real Akash SDL (awesome-akash's redis) is deployed three times: once plainly, once
 * with the cheapest provider killed and restarted around the seal, once with the tenant killed
 * after sealing. Tests run in order on the same mesh; each closes its lease.
 */
type Proc = MeshProc & { cleanupDir: () => Promise<void> }
const SDL = new URL('../fixtures/sdl/corpus/redis__deploy.yaml', import.meta.url).pathname
// Every node shares the network section; the reveal window leaves a killed node time to restart.
const NETWORK = 'network:\n  commitWindowMs: 2000\n  revealWindowMs: 6000\n'
// providers run no containers in this test (test/unit/workload and e2e/workload do)
const PROVIDER = 'provider:\n  workloads: off\n'
const procs: Proc[] = []
const dirs: Array<() => Promise<void>> = []
let relayAddr: string
let relay: Proc
const providers: Record<'dear' | 'cheap' | 'mid' | 'full', Proc> = {} as never
let tenant: Proc

async function nodeDir (name: string, extra = '', pricing?: string): Promise<string> {
  const d = await tempDir(`skymesh-market-${name}-`)
  dirs.push(d.cleanup)
  await writeFile(join(d.path, 'config.yaml'), NETWORK + (extra.includes('provider:') ? extra.replace('provider:\n', PROVIDER) : PROVIDER + extra))
  if (pricing !== undefined) await writeFile(join(d.path, 'pricing.yaml'), pricing)
  return d.path
}

async function start (args: string[], dataDir: string): Promise<Proc> {
  const p = await startMeshNode(args, { dataDir })
  procs.push(p)
  return p
}

const providerArgs = (dataDir: string): string[] => ['provider', '--bootstrap', relayAddr, '--pricing', join(dataDir, 'pricing.yaml')]
const order = async (n: MeshProc, id: string): Promise<OrderView> => await n.get<OrderView>(`/orders/${id}`)
const live = (): Proc[] => [relay, providers.dear, providers.cheap, providers.mid, providers.full, tenant]

/**
 * The lease of an order as each node reports it, once every node has it in `state`: polled
 * through each node's API, then read once more through `skymesh leases --json`.
 */
async function leaseEverywhere (orderId: string, state: LeaseView['state']): Promise<LeaseView> {
  const seen: LeaseView[] = []
  for (const n of live()) {
    await waitFor(`lease ${state} on ${n.peerId}`, async () => (await n.get<{ leases: LeaseView[] }>('/leases')).leases.some((x) => x.orderId === orderId && x.state === state), 20_000, 100)
    const cli = spawnCli(['leases', '--json', '--data', n.dataDir], 10_000)
    const out = await cli.firstJson as { leases: LeaseView[] }
    expect(await cli.exited()).toBe(0)
    seen.push(out.leases.find((x) => x.orderId === orderId) as LeaseView)
  }
  for (const l of seen) expect(l).toEqual(seen[0])
  expect(seen[0]?.state).toBe(state)
  return seen[0] as LeaseView
}

async function deploy (): Promise<string> {
  const cli = spawnCli(['deploy', SDL, '--json', '--data', tenant.dataDir], 15_000)
  const out = await cli.firstJson as { orderIds: string[] }
  expect(await cli.exited()).toBe(0)
  expect(out.orderIds).toHaveLength(1)
  return out.orderIds[0] as string
}

async function closeLease (leaseId: string): Promise<void> {
  const cli = spawnCli(['lease', 'close', leaseId, '--reason', 'test done', '--json', '--data', tenant.dataDir], 10_000)
  expect((await cli.firstJson as unknown as LeaseView).state).toBe('closed')
  expect(await cli.exited()).toBe(0)
}

beforeAll(async () => {
  relay = await start(['relay'], await nodeDir('relay'))
  relayAddr = relay.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
  const [dear, cheap, mid, full] = await Promise.all([
    nodeDir('dear', '', 'unit: usd-per-month\ncpu: 3.00\n'),
    nodeDir('cheap', '', 'unit: usd-per-month\ncpu: 1.00\n'),
    nodeDir('mid', '', 'unit: usd-per-month\ncpu: 2.00\n'),
    // every core of this machine is kept back: it cannot serve a 1-cpu order
    nodeDir('full', 'provider:\n  reserved: { cpu: 1000000000 }\n', 'unit: usd-per-month\ncpu: 0.10\n')
  ]) as [string, string, string, string]
  const started = await Promise.all([dear, cheap, mid, full].map(async (d) => await start(providerArgs(d), d)))
  Object.assign(providers, { dear: started[0], cheap: started[1], mid: started[2], full: started[3] })
  for (const p of started) {
    await waitFor('announce landed', async () => (await p.get<NodeStatus>('/status')).announce?.landed === true, 30_000)
  }
  tenant = await start(['start', '--role', 'tenant', '--bootstrap', relayAddr], await nodeDir('tenant'))
  await waitFor('tenant knows the 4 providers', async () => (await tenant.get<{ providers: ProviderView[] }>('/providers')).providers.length === 4, 30_000)
  await waitFor('order and bid meshes formed', async () => {
    const s = await tenant.get<NodeStatus>('/status')
    return Object.entries(s.mesh).every(([, n]) => n > 0)
  }, 20_000)
}, 90_000)

afterAll(async () => {
  await Promise.all(procs.map(async (p) => { await p.proc.stop(3000) }))
  for (const d of dirs) await d()
}, 30_000)

describe('deploy from SDL to lease, 6 CLI processes on 127.0.0.1', () => {
  it('skymesh deploy --wait ends with a lease from the cheapest capable provider, the same on every node', async () => {
    const cli = spawnCli(['deploy', SDL, '--wait', '--json', '--data', tenant.dataDir], 40_000)
    const out = await cli.firstJson as { ok: boolean, orders: OrderView[], leases: LeaseView[] }
    expect(await cli.exited()).toBe(0)
    expect(out.ok).toBe(true)
    const [o] = out.orders as [OrderView]
    expect(o.outcome).toBe('leased')
    expect(o.lease?.provider).toBe(providers.cheap.peerId)
    expect(o.lease?.state).toBe('active')
    // three providers bid and revealed; the cheapest won at its price
    expect(o.bids.map((b) => b.provider).sort()).toEqual([providers.dear.peerId, providers.cheap.peerId, providers.mid.peerId].sort())
    const prices = new Map(o.bids.map((b) => [b.provider, Number(b.price)]))
    expect(Math.min(...prices.values())).toBe(prices.get(providers.cheap.peerId))
    expect(o.lease?.pricePerBlock).toBe(o.bids.find((b) => b.provider === providers.cheap.peerId)?.price)
    // the provider that cannot serve said why
    const declined = o.noBids.find((n) => n.provider === providers.full.peerId)
    expect(declined?.reasons.map((r) => r.code)).toContain('CPU_SHORT')

    const lease = await leaseEverywhere(o.orderId, 'active')
    expect(lease.provider).toBe(providers.cheap.peerId)
    await closeLease(lease.leaseId)
    const closed = await leaseEverywhere(o.orderId, 'closed')
    expect(closed.closedBy).toBe('tenant')
  }, 90_000)

  it('the cheapest provider killed before the seal and restarted in the reveal phase still reveals and wins', async () => {
    const id = await deploy()
    await waitFor('three commits', async () => (await order(tenant, id)).bids.length === 3, 10_000, 50)
    const cheap = providers.cheap
    cheap.proc.child.kill('SIGKILL')
    await new Promise((resolve) => cheap.proc.child.once('exit', resolve))
    // sealed with its commit while it was down
    const sealed = await waitFor('sealed', async () => { const o = await order(tenant, id); return o.phase === 'reveal' ? o : undefined }, 10_000, 50)
    expect(sealed.bids.find((b) => b.provider === cheap.peerId)?.sealed).toBe(true)
    providers.cheap = await start(providerArgs(cheap.dataDir), cheap.dataDir)
    expect(providers.cheap.peerId).toBe(cheap.peerId)

    const lease = await leaseEverywhere(id, 'active')
    expect(lease.provider).toBe(cheap.peerId)
    const o = await order(tenant, id)
    expect(o.bids.find((b) => b.provider === cheap.peerId)?.price).toBe(lease.pricePerBlock)
    await closeLease(lease.leaseId)
    await leaseEverywhere(id, 'closed')
  }, 90_000)

  it('a tenant killed after sealing and restarted still awards, and the lease becomes active', async () => {
    const id = await deploy()
    await waitFor('sealed', async () => (await order(tenant, id)).phase === 'reveal', 10_000, 50)
    const before = tenant
    before.proc.child.kill('SIGKILL')
    await new Promise((resolve) => before.proc.child.once('exit', resolve))
    tenant = await start(['start', '--role', 'tenant', '--bootstrap', relayAddr], before.dataDir)
    expect(tenant.peerId).toBe(before.peerId)

    const lease = await leaseEverywhere(id, 'active')
    expect(lease.provider).toBe(providers.cheap.peerId)
    expect(lease.tenant).toBe(tenant.peerId)
    await closeLease(lease.leaseId)
  }, 90_000)
})
