import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LeaseView, OrderView } from '../../../src/api/index.js'
import { runCli } from '../../../src/cli/main.js'
import { runtimeFilePath } from '../../../src/node/runtime-file.js'
import { captureContext, tempDir } from '../../helpers/io.js'

/**
 * `skymesh devnet --once`: the whole local mesh of `npm start` in this process (a relay, the
 * three providers of config/devnet.yaml and a tenant, on the default auction windows), the
 * example SDL deployed once, then everything stopped.
 */
let data: string
let cleanup: () => Promise<void>
beforeAll(async () => { ({ path: data, cleanup } = await tempDir('skymesh-devnet-')) })
afterAll(async () => { await cleanup() })

interface NodesLine { nodes: Array<{ name: string, roles: string[], peerId: string, api: string, dataDir: string }> }
interface FinalLine { ok: boolean, dseq: number, orderIds: string[], orders: OrderView[], leases: LeaseView[] }

describe('skymesh devnet', () => {
  it('--once --json: a nodes line, then ok true with the lease of the cheapest provider; every node stopped', async () => {
    const ctx = captureContext()
    const code = await runCli(['devnet', '--once', '--json', '--data', data], ctx)
    expect(ctx.err()).toBe('')
    expect(code).toBe(0)
    const lines = ctx.lines()
    expect(lines).toHaveLength(2)
    const { nodes } = lines[0] as NodesLine
    // the relay first, the tenant last; the providers start together, in any order
    expect(nodes[0]?.name).toBe('relay')
    expect(nodes[4]?.name).toBe('tenant')
    expect(nodes.map((n) => [n.name, n.roles]).sort()).toEqual([['provider-1', ['provider']], ['provider-2', ['provider']], ['provider-3', ['provider']], ['relay', ['relay']], ['tenant', ['tenant']]])
    for (const n of nodes) {
      expect(n.peerId).toMatch(/^12D3KooW/)
      expect(n.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(n.dataDir).toBe(join(data, 'devnet', n.name))
      // stopped: node.json removed
      expect(existsSync(runtimeFilePath(n.dataDir))).toBe(false)
    }
    const byName = new Map(nodes.map((n) => [n.name, n.peerId]))
    const final = lines[1] as FinalLine
    expect(final.ok).toBe(true)
    expect(final.orderIds).toHaveLength(1)
    expect(final.leases).toHaveLength(1)
    const lease = final.leases[0] as LeaseView
    // provider-2 asks least (1.20 per core, 0.60 per GiB); provider-3 asks more than the maximum
    expect(lease).toMatchObject({ state: 'active', provider: byName.get('provider-2'), tenant: byName.get('tenant'), denom: 'uact' })
    const order = final.orders[0] as OrderView
    expect(order.bids.map((b) => b.provider).sort()).toEqual([byName.get('provider-1'), byName.get('provider-2')].sort())
    expect(order.noBids.map((n) => n.provider)).toEqual([byName.get('provider-3')])
    expect(order.noBids[0]?.reasons.map((r) => r.code)).toContain('PRICE_ABOVE_MAX')
  }, 60_000)

  it('a bad devnet file or SDL: exit 2 before any node starts', async () => {
    const fresh = join(data, 'fresh')
    const bad = join(data, 'bad-devnet.yaml')
    await writeFile(bad, 'sdl: x.yaml\nproviders:\n  - name: Relay\n')
    const ctx = captureContext()
    expect(await runCli(['devnet', '--once', '--json', '--devnet', bad, '--data', fresh], ctx)).toBe(2)
    expect(ctx.lines()[0]).toMatchObject({ ok: false, error: { code: 'CONFIG_BAD_VALUE', details: { key: 'providers[0].name' } } })
    const sdl = join(data, 'bad.yaml')
    await writeFile(sdl, 'version: "2.0"\nservices: [\n')
    const ctx2 = captureContext()
    expect(await runCli(['devnet', '--once', '--sdl', sdl, '--data', fresh], ctx2)).toBe(2)
    expect(ctx2.err()).toContain(`${sdl}:3:1`)
    expect(existsSync(join(fresh, 'devnet'))).toBe(false)
  })
})
