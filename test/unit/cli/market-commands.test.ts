import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaseView, OrderView } from '../../../src/api/index.js'
import { runCli } from '../../../src/cli/main.js'
import { shortId } from '../../../src/cli/commands/node-format.js'
import type { SkymeshNode } from '../../../src/node/runtime.js'
import { parseSdl } from '../../../src/sdl/index.js'
import { captureContext } from '../../helpers/io.js'
import { MarketNodes, REDIS_SDL, REDIS_SDL_PATH, tcpAddr, waitForMarketMesh, type MarketNetwork } from '../../helpers/market-nodes.js'
import { waitFor } from '../../helpers/mesh.js'

/**
 * deploy, orders, leases and lease close, run in-process against a provider and a tenant in
 * this process, each with its API and node.json as `skymesh start` leaves them. Tests run in
 * order: the lease the first deploy makes is the one later tests list and close.
 */
const NET: MarketNetwork = { id: 'skymesh-unit-cli-market', commitWindowMs: 1500, revealWindowMs: 1200, maxClockSkewMs: 400 }
const nodes = new MarketNodes(NET)
let provider: SkymeshNode
let tenant: SkymeshNode
let tenantDir: string
let providerDir: string
let emptyDir: string
let workDir: string
let firstLease: LeaseView

async function cli (argv: string[], cwd?: string): Promise<{ code: number, out: string, err: string, lines: () => unknown[] }> {
  const ctx = captureContext(cwd !== undefined ? { cwd } : {})
  const code = await runCli(argv, ctx)
  return { code, out: ctx.out(), err: ctx.err(), lines: ctx.lines }
}

const errorCode = (r: { lines: () => unknown[] }): string | undefined => (r.lines()[0] as { error?: { code?: string } }).error?.code

beforeAll(async () => {
  const p = await nodes.launch({ roles: ['provider'], pricing: 'unit: usd-per-month\ncpu: 1.00\n' })
  provider = p.node
  providerDir = p.dataDir
  const t = await nodes.launch({ roles: ['tenant'], bootstrap: [tcpAddr(provider)] })
  tenant = t.node
  tenantDir = t.dataDir
  emptyDir = await nodes.dataDir()
  workDir = await nodes.dataDir()
  await waitForMarketMesh([provider, tenant])
}, 60_000)

afterAll(async () => { await nodes.closeAll() }, 30_000)

describe('skymesh deploy', () => {
  it('FILE --wait: progress lines, then the lease (provider, price per block and ACT/month); exit 0', async () => {
    const r = await cli(['deploy', REDIS_SDL_PATH, '--wait', '--data', tenantDir])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const lines = r.out.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^deployment \d+: 1 order broadcast, waiting for bids$/)
    const lease = tenant.leases()[0] as LeaseView
    firstLease = lease
    expect(lease.state).toBe('active')
    const short = lease.orderId.slice(0, 12)
    // at least the bidding line and the final state, in order
    const progress = lines.filter((l) => l.startsWith(`order ${short}… dcloud: `))
    expect(progress.length).toBeGreaterThanOrEqual(1)
    expect(progress.at(-1)).toBe(`order ${short}… dcloud: lease active with ${shortId(provider.key.accountId)}`)
    const tail = lines.slice(-6)
    expect(tail).toEqual([
      `lease ${lease.leaseId}`,
      `  provider  ${provider.key.accountId}`,
      '  state     active',
      `  price     ${lease.pricePerBlock} uact/block = ${lease.actPerMonth} ACT/month`,
      '  resources 1 x (1 cpu, 1.0 GiB, 1.0 GiB storage)',
      // this test's provider runs no containers (provider.workloads: off)
      '  endpoint  none: the provider runs no workloads'
    ])
    expect(lease.provider).toBe(provider.key.accountId)
    // ACT/month is uact/block x blocks per month (6 s blocks), in ACT, rounded up to the micro-ACT
    expect(Number(lease.actPerMonth)).toBeCloseTo(Number(lease.pricePerBlock) * 438_291 / 1e6, 5)
    // the pricing file: 1 USD per core, the built-in 0.80 per GiB of memory and 0.02 per GiB of storage
    expect(lease.actPerMonth).toMatch(/^1\.82000\d$/)
  }, 40_000)

  it('--wait --json: one JSON line with ok, the orders and their leases', async () => {
    const r = await cli(['deploy', REDIS_SDL_PATH, '--wait', '--json', '--data', tenantDir])
    expect(r.code).toBe(0)
    expect(r.lines()).toHaveLength(1)
    const out = r.lines()[0] as { ok: boolean, dseq: number, orderIds: string[], orders: OrderView[], leases: LeaseView[] }
    expect(out.ok).toBe(true)
    expect(out.orderIds).toHaveLength(1)
    expect(out.orders.map((o) => [o.orderId, o.outcome, o.lease?.state])).toEqual([[out.orderIds[0], 'leased', 'active']])
    expect(out.leases).toHaveLength(1)
    expect(out.leases[0]).toMatchObject({ orderId: out.orderIds[0], provider: provider.key.accountId, state: 'active' })
    expect(out.orders[0]?.dseq).toBe(out.dseq)
  }, 40_000)

  it('--wait with a max price no provider meets: every reason providers gave, exit 1', async () => {
    const r = await cli(['deploy', REDIS_SDL_PATH, '--wait', '--max-price', '0.000001', '--data', tenantDir])
    expect(r.code).toBe(1)
    const lines = r.out.trimEnd().split('\n')
    const head = lines.findIndex((l) => /^order [0-9a-f]{64} \(group dcloud\): no lease: awarded to nobody: no provider bid in time$/.test(l))
    expect(head).toBeGreaterThan(0)
    expect(lines[head + 1]).toBe(`  ${shortId(provider.key.accountId)} did not bid:`)
    expect(lines[head + 2]).toMatch(/^ {4}\[PRICE_ABOVE_MAX\] /)
    const json = await cli(['orders', (lines[head] as string).split(' ')[1] as string, '--json', '--data', tenantDir])
    expect(json.lines()[0]).toMatchObject({ outcome: 'no-lease', maxPrice: { amount: '0.000001' }, noBids: [{ provider: provider.key.accountId }] })
  }, 40_000)

  it('without --wait: prints the deployment and its order ids, exit 0 (human and --json)', async () => {
    const r = await cli(['deploy', REDIS_SDL_PATH, '--data', tenantDir])
    expect(r.code).toBe(0)
    const lines = r.out.trimEnd().split('\n')
    const hash = parseSdl(REDIS_SDL).manifestHash
    expect(lines[0]).toMatch(new RegExp(`^deployment \\d+: 1 order broadcast \\(manifest ${hash.slice(0, 16)}…\\)$`))
    expect(lines[1]).toMatch(/^ {2}order [0-9a-f]{64}$/)
    expect(lines[2]).toBe(`follow them with: skymesh orders --data ${tenantDir}`)
    expect(tenant.order((lines[1] as string).trim().split(' ')[1] as string)?.mine).toBe(true)

    const j = await cli(['deploy', REDIS_SDL_PATH, '--json', '--data', tenantDir])
    expect(j.code).toBe(0)
    const out = j.lines()[0] as { dseq: number, orderIds: string[], manifestHash: string }
    expect(out.manifestHash).toBe(hash)
    expect(out.orderIds.map((id) => tenant.order(id)?.dseq)).toEqual([out.dseq])
  })

  it('a bad SDL file: exit 2 and the message names file:line:column, with no node needed', async () => {
    await writeFile(join(workDir, 'bad.yaml'), REDIS_SDL.replace('units: 1', 'units: lots'))
    const r = await cli(['deploy', 'bad.yaml', '--data', emptyDir], workDir)
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toMatch(/^skymesh: bad\.yaml:\d+:\d+: profiles\.compute\.redis\.resources\.cpu\.units: /)
    const line = REDIS_SDL.split('\n').findIndex((l) => l.includes('units: 1')) + 1
    expect(r.err).toContain(`bad.yaml:${line}:`)
    const j = await cli(['deploy', 'bad.yaml', '--json', '--data', emptyDir], workDir)
    expect(j.code).toBe(2)
    expect(j.lines()[0]).toMatchObject({ ok: false, error: { layer: 'sdl', code: 'INVALID_UNIT', details: { path: 'profiles.compute.redis.resources.cpu.units', line } } })
  })

  it('a file that cannot be read: exit 2 BAD_ARGUMENT', async () => {
    const r = await cli(['deploy', 'missing.yaml', '--json', '--data', emptyDir], workDir)
    expect(r.code).toBe(2)
    expect(errorCode(r)).toBe('BAD_ARGUMENT')
  })

  it('with no node running: exit 1 NOT_RUNNING', async () => {
    const r = await cli(['deploy', REDIS_SDL_PATH, '--json', '--data', emptyDir])
    expect(r.code).toBe(1)
    expect(r.lines()[0]).toMatchObject({ ok: false, error: { code: 'NOT_RUNNING', details: { dataDir: emptyDir } } })
    const h = await cli(['deploy', REDIS_SDL_PATH, '--data', emptyDir])
    expect(h.code).toBe(1)
    expect(h.err).toContain(emptyDir)
  })

  it('--max-price abc: exit 2 with the market\'s BAD_MAX_PRICE, and no order is made', async () => {
    const before = tenant.orders().length
    const r = await cli(['deploy', REDIS_SDL_PATH, '--max-price', 'abc', '--json', '--data', tenantDir])
    expect(r.code).toBe(2)
    expect(r.lines()[0]).toMatchObject({ ok: false, error: { code: 'BAD_MAX_PRICE', layer: 'market' } })
    expect(tenant.orders()).toHaveLength(before)
    const h = await cli(['deploy', REDIS_SDL_PATH, '--max-price', 'abc', '--data', tenantDir])
    expect(h.code).toBe(2)
    expect(h.err).toContain('"abc"')
  })

  it('--timeout that is not a number of seconds: exit 2 BAD_ARGUMENT', async () => {
    for (const t of ['abc', '0', '-5', '100000']) {
      const r = await cli(['deploy', REDIS_SDL_PATH, '--wait', '--timeout', t, '--json', '--data', tenantDir])
      expect(r.code, t).toBe(2)
      expect(errorCode(r)).toBe('BAD_ARGUMENT')
    }
  })
})

describe('skymesh orders', () => {
  it('--json lists every order the node has seen', async () => {
    const r = await cli(['orders', '--json', '--data', tenantDir])
    expect(r.code).toBe(0)
    const { orders } = r.lines()[0] as { orders: OrderView[] }
    expect(orders.map((o) => o.orderId).sort()).toEqual(tenant.orders().map((o) => o.orderId).sort())
    expect(orders.find((o) => o.orderId === firstLease.orderId)).toMatchObject({ outcome: 'leased', lease: { state: 'active' }, mine: true })
  })

  it('human output: a table with one row per order', async () => {
    const r = await cli(['orders', '--data', tenantDir])
    expect(r.code).toBe(0)
    const [header, ...rows] = r.out.trimEnd().split('\n')
    expect(header?.split(/\s{2,}/)).toEqual(['ORDER', 'GROUP', 'TENANT', 'PHASE', 'BIDS', 'MAX/BLOCK', 'OMITTED', 'OUTCOME'])
    const row = rows.find((l) => l.startsWith(firstLease.orderId.slice(0, 16)))
    expect(row?.split(/\s{2,}/)).toEqual([firstLease.orderId.slice(0, 16), 'dcloud', 'this node', 'awarded', '1/1', '100000 uact', '-', `lease active, ${shortId(provider.key.accountId)} at ${firstLease.pricePerBlock}`])
    // the order nobody bid on explains why below the table
    expect(r.out).toContain(`${shortId(provider.key.accountId)} did not bid:`)
    expect(r.out).toContain('[PRICE_ABOVE_MAX]')
    // the provider sees the same orders, placed by another node
    const p = await cli(['orders', '--data', providerDir])
    const prow = p.out.split('\n').find((l) => l.startsWith(firstLease.orderId.slice(0, 16)))
    expect(prow?.split(/\s{2,}/)[2]).toBe(shortId(tenant.key.accountId))
  })

  it('ORDER_ID: the order in detail (human) and its view (--json)', async () => {
    const id = firstLease.orderId
    const j = await cli(['orders', id, '--json', '--data', tenantDir])
    expect(j.code).toBe(0)
    expect(j.lines()[0]).toEqual(JSON.parse(JSON.stringify(tenant.order(id))))
    const h = await cli(['orders', id, '--data', tenantDir])
    expect(h.code).toBe(0)
    const lines = h.out.trimEnd().split('\n')
    expect(lines[0]).toBe(`order ${id} (placed by this node)`)
    expect(lines).toContain(`  tenant    ${tenant.key.accountId}`)
    expect(lines).toContain('  max price 100000 uact/block')
    expect(lines).toContain('  phase     awarded; leased')
    expect(lines).toContain(`    ${provider.key.accountId}  ${firstLease.pricePerBlock} uact/block  <- winner`)
    expect(lines).toContain(`  lease ${firstLease.leaseId}`)
  })

  it('a malformed ORDER_ID is exit 2 BAD_ARGUMENT; an unknown one exit 2 NOT_FOUND', async () => {
    const bad = await cli(['orders', 'xyz', '--json', '--data', tenantDir])
    expect([bad.code, errorCode(bad)]).toEqual([2, 'BAD_ARGUMENT'])
    const unknown = await cli(['orders', '0'.repeat(64), '--json', '--data', tenantDir])
    expect([unknown.code, errorCode(unknown)]).toEqual([2, 'NOT_FOUND'])
  })
})

describe('skymesh leases and lease close', () => {
  it('leases: a table of leases (human) and the views (--json)', async () => {
    const j = await cli(['leases', '--json', '--data', tenantDir])
    expect(j.code).toBe(0)
    const { leases } = j.lines()[0] as { leases: LeaseView[] }
    expect(leases).toEqual(JSON.parse(JSON.stringify(tenant.leases())))
    expect(leases.find((l) => l.leaseId === firstLease.leaseId)?.state).toBe('active')
    const h = await cli(['leases', '--data', tenantDir])
    const [header, ...rows] = h.out.trimEnd().split('\n')
    expect(header?.split(/\s{2,}/)).toEqual(['LEASE', 'TENANT', 'PROVIDER', 'STATE', 'PRICE/BLOCK', 'ACT/MONTH', 'RESOURCES'])
    const row = rows.find((l) => l.startsWith(`${firstLease.orderId.slice(0, 16)}…`))
    expect(row?.split(/\s{2,}/)).toEqual([`${firstLease.orderId.slice(0, 16)}…`, shortId(tenant.key.accountId), shortId(provider.key.accountId), 'active', `${firstLease.pricePerBlock} uact`, firstLease.actPerMonth, '1 x (1 cpu, 1.0 GiB, 1.0 GiB storage)'])
  })

  it('a node with no leases says so', async () => {
    const lone = await nodes.launch({ roles: ['tenant'] })
    const r = await cli(['leases', '--data', lone.dataDir])
    expect([r.code, r.out]).toEqual([0, 'no leases\n'])
    const o = await cli(['orders', '--data', lone.dataDir])
    expect([o.code, o.out]).toEqual([0, 'no orders seen yet\n'])
  })

  it('lease close ID: prints the closed lease; leases then shows it closed on both nodes', async () => {
    const r = await cli(['lease', 'close', firstLease.leaseId, '--reason', 'test over', '--data', tenantDir])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.split('\n')).toContain('  state     closed (closed by the tenant: test over)')
    const j = await cli(['leases', '--json', '--data', tenantDir])
    expect((j.lines()[0] as { leases: LeaseView[] }).leases.find((l) => l.leaseId === firstLease.leaseId)).toMatchObject({ state: 'closed', closedBy: 'tenant', closeReason: 'test over' })
    await waitFor('the provider sees it closed', () => provider.leases().find((l) => l.leaseId === firstLease.leaseId)?.state === 'closed', 10_000, 50)
    const p = await cli(['leases', '--data', providerDir])
    expect(p.out.split('\n').find((l) => l.startsWith(`${firstLease.orderId.slice(0, 16)}…`))?.split(/\s{2,}/)[3]).toBe('closed')
    // closing it again is the market's refusal: bad input
    const again = await cli(['lease', 'close', firstLease.leaseId, '--json', '--data', tenantDir])
    expect([again.code, errorCode(again)]).toEqual([2, 'LEASE_CLOSED'])
  })

  it('lease close of a lease this node does not know: exit 2 UNKNOWN_LEASE', async () => {
    const r = await cli(['lease', 'close', `${'0'.repeat(64)}/${'1'.repeat(64)}`, '--json', '--data', tenantDir])
    expect([r.code, errorCode(r)]).toEqual([2, 'UNKNOWN_LEASE'])
  })

  it('lease close with a malformed id, lease open X, a reason too long: exit 2 BAD_ARGUMENT', async () => {
    for (const argv of [
      ['lease', 'close', 'nope'],
      ['lease', 'close', firstLease.orderId],
      ['lease', 'close', `${firstLease.orderId}/${'Z'.repeat(64)}`],
      ['lease', 'open', 'X'],
      ['lease', 'close', firstLease.leaseId, '--reason', 'x'.repeat(513)]
    ]) {
      const r = await cli([...argv, '--json', '--data', tenantDir])
      expect(r.code, argv.join(' ')).toBe(2)
      expect(errorCode(r)).toBe('BAD_ARGUMENT')
    }
    const missing = await cli(['lease', 'close', '--json', '--data', tenantDir])
    expect([missing.code, errorCode(missing)]).toEqual([2, 'MISSING_ARGUMENT'])
  })
})
