import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeStatus, PeerView, ProviderView } from '../../../src/api/index.js'
import { ApiServer, defaultApiServerOptions, loadOrCreateApiToken } from '../../../src/api/index.js'
import { runCli } from '../../../src/cli/main.js'
import { readRuntimeFile } from '../../../src/node/runtime-file.js'
import { SkymeshNode } from '../../../src/node/runtime.js'
import { defaultConfig } from '../../../src/config/index.js'
import { silentLogger } from '../../../src/util/logger.js'
import { captureContext, tempDir } from '../../helpers/io.js'
import { waitFor } from '../../helpers/mesh.js'
import { h100x8, probeOf } from '../hardware/helpers.js'

/**
 * status, peers and providers against real nodes in this process: a relay and a provider
 * (recorded hardware: 64 cores, 512 GiB, 8x H100 SXM 80 GiB) bootstrapped to it, each with its
 * API started the way `skymesh start` does, and a lone tenant. The commands find each node
 * through node.json in its data directory, as they do against a separate process.
 */
interface Running { node: SkymeshNode, api: ApiServer, dataDir: string }
const closers: Array<() => Promise<void>> = []
let relay: Running
let provider: Running
let lone: Running
let emptyDir: string

async function run (roles: Array<'relay' | 'provider' | 'tenant'>, bootstrap: string[] = []): Promise<Running> {
  const d = await tempDir('skymesh-cli-')
  closers.push(d.cleanup)
  const node = await SkymeshNode.init(
    { dataDir: d.path, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, roles },
    { logger: silentLogger, probe: async () => probeOf({ gpus: h100x8() }) }
  )
  closers.push(async () => { await node.close() })
  // as src/cli/commands/start.ts does: the token, the API, then node.json
  const token = await loadOrCreateApiToken(d.path)
  const api = await ApiServer.start({ ...defaultApiServerOptions, host: '127.0.0.1', port: 0, token }, { source: node, logger: silentLogger })
  closers.push(async () => { await api.close() })
  await node.setApiUrl(api.url)
  return { node, api, dataDir: d.path }
}

async function cli (...argv: string[]): Promise<{ code: number, out: string, err: string, json: () => unknown }> {
  const ctx = captureContext()
  const code = await runCli(argv, ctx)
  return { code, out: ctx.out(), err: ctx.err(), json: () => ctx.lines()[0] }
}

beforeAll(async () => {
  relay = await run(['relay'])
  const relayAddr = relay.node.multiaddrs()[0] as string
  provider = await run(['provider'], [relayAddr])
  lone = await run(['tenant'])
  const d = await tempDir('skymesh-cli-empty-')
  closers.push(d.cleanup)
  emptyDir = d.path
  await waitFor('the provider\'s announce landed', () => provider.node.status().announce?.landed === true, 20_000, 50)
  await waitFor('the relay knows the provider', () => relay.node.providers().some((p) => p.peerId === provider.node.key.accountId), 20_000, 50)
  await waitFor('identify on both sides', async () => {
    const [a, b] = await Promise.all([relay.node.peers(), provider.node.peers()])
    return a[0]?.agent != null && b[0]?.agent != null
  }, 10_000, 50)
}, 60_000)

afterAll(async () => {
  while (closers.length > 0) await closers.pop()?.()
}, 30_000)

describe('skymesh status', () => {
  it('--json prints the node\'s status as one JSON line', async () => {
    const r = await cli('status', '--data', relay.dataDir, '--json')
    expect(r.code).toBe(0)
    const s = r.json() as NodeStatus
    expect(s).toMatchObject({
      peerId: relay.node.key.accountId,
      network: defaultConfig.network.id,
      networkParams: { name: 'skymesh-local', maxBidsPerOrder: 64 },
      roles: ['relay'],
      api: relay.api.url,
      pid: process.pid,
      peers: 1,
      connections: { direct: 1, relayed: 0 },
      providers: 1,
      relayReservations: 0
    })
    expect(s.dht.mode).toBe('server')
    expect(s.multiaddrs).toEqual(relay.node.multiaddrs())
    expect(Object.keys(s.mesh).sort()).toEqual(['auction', 'bids', 'leases', 'orders', 'providers'].map((t) => `/skymesh/${defaultConfig.network.id}/2/${t}`))
    expect(r.out.trim().split('\n')).toHaveLength(1)
  })

  it('a provider\'s status carries its announce', async () => {
    const s = (await cli('status', '--data', provider.dataDir, '--json')).json() as NodeStatus
    expect(s.roles).toEqual(['provider'])
    expect(s.announce).toMatchObject({ landed: true })
    expect(s.announce?.recipients).toBeGreaterThanOrEqual(1)
    expect(s.relayReservations).toBeUndefined()
  })

  it('human output: one labelled line per fact', async () => {
    const r = await cli('status', '--data', relay.dataDir)
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    const lines = r.out.trimEnd().split('\n')
    expect(lines[0]).toBe(`node       ${relay.node.key.accountId}`)
    expect(lines).toContain('roles      relay')
    expect(lines).toContain(`api        ${relay.api.url}`)
    expect(lines).toContain(`listening  ${relay.node.multiaddrs()[0] ?? ''}`)
    expect(lines).toContain('peers      1 (1 direct, 0 relayed connections)')
    expect(lines).toContain('providers  1 known')
    expect(lines).toContain('relay      0 reservations')
    expect(lines.find((l) => l.startsWith('dht        '))).toMatch(/^dht {8}server, \d+ in routing table$/)
    expect(lines.find((l) => l.startsWith('mesh       '))).toMatch(/^mesh {7}orders \d+, bids \d+, auction \d+, leases \d+, providers \d+$/)
    expect(lines.find((l) => l.startsWith('uptime     '))).toContain(`(pid ${process.pid})`)
  })

  it('on a data directory with no node: exit 1, and the message names the data directory', async () => {
    const r = await cli('status', '--data', emptyDir)
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toContain(emptyDir)
    const j = await cli('status', '--data', emptyDir, '--json')
    expect(j.code).toBe(1)
    expect(j.json()).toMatchObject({ ok: false, error: { code: 'NOT_RUNNING', details: { dataDir: emptyDir } } })
  })
})

describe('skymesh peers', () => {
  it('--json lists the connected peer with its roles, direct connection and protocols', async () => {
    const r = await cli('peers', '--data', relay.dataDir, '--json')
    expect(r.code).toBe(0)
    const { peers } = r.json() as { peers: PeerView[] }
    expect(peers).toHaveLength(1)
    const p = peers[0] as PeerView
    expect(p).toMatchObject({ peerId: provider.node.key.accountId, via: 'direct', roles: ['provider'] })
    expect(p.agent).toMatch(/^skymesh\/\S+ \(provider\)$/)
    expect(p.protocols).toContain(`/skymesh/${defaultConfig.network.id}/kad/2.0.0`)
    expect(p.addrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
  })

  it('human output: a table with a header and one row per peer', async () => {
    const r = await cli('peers', '--data', provider.dataDir)
    expect(r.code).toBe(0)
    const [header, row, ...rest] = r.out.trimEnd().split('\n')
    expect(header?.split(/\s{2,}/)).toEqual(['PEER', 'VIA', 'LATENCY', 'ROLES', 'PROTOCOLS', 'ADDRESS'])
    expect(rest).toEqual([])
    const cells = row?.split(/\s{2,}/) ?? []
    expect(cells[0]).toBe(relay.node.key.accountId)
    expect(cells[1]).toBe('direct')
    expect(cells[2]).toMatch(/^(\d+ ms|-)$/)
    expect(cells[3]).toBe('relay')
    expect(Number(cells[4])).toBeGreaterThan(0)
    expect(cells[5]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
  })

  it('a node without peers says so', async () => {
    const r = await cli('peers', '--data', lone.dataDir)
    expect([r.code, r.out]).toEqual([0, 'no peers\n'])
    expect((await cli('peers', '--data', lone.dataDir, '--json')).json()).toEqual({ peers: [] })
  })

  it('on a data directory with no node: exit 1 NOT_RUNNING', async () => {
    const r = await cli('peers', '--data', emptyDir, '--json')
    expect(r.code).toBe(1)
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'NOT_RUNNING' } })
  })
})

describe('skymesh providers', () => {
  it('--json lists the provider\'s latest signed announce, as the relay received it', async () => {
    const r = await cli('providers', '--data', relay.dataDir, '--json')
    expect(r.code).toBe(0)
    const { providers } = r.json() as { providers: ProviderView[] }
    expect(providers).toHaveLength(1)
    const p = providers[0] as ProviderView
    expect(p.peerId).toBe(provider.node.key.accountId)
    expect(['gossip', 'dht']).toContain(p.source)
    expect(p.messageId).toMatch(/^[0-9a-f]{64}$/)
    expect(p.total.cpu).toBe(64_000)
    expect(p.total.memory).toBe(512 * 1024 ** 3)
    expect(p.total.gpus).toEqual([{ vendor: 'nvidia', model: 'h100', ram: '80Gi', interface: 'sxm', units: 8 }])
    expect(p.addrs).toEqual(provider.node.multiaddrs())
    // the provider lists its own announce, from itself
    const own = (await cli('providers', '--data', provider.dataDir, '--json')).json() as { providers: ProviderView[] }
    expect(own.providers.map((x) => [x.peerId, x.source])).toEqual([[provider.node.key.accountId, 'self']])
  })

  it('human output: CPU cores and memory available/total, GPUs, age, source and address', async () => {
    const r = await cli('providers', '--data', relay.dataDir)
    expect(r.code).toBe(0)
    const [header, row, ...rest] = r.out.trimEnd().split('\n')
    expect(header?.split(/\s{2,}/)).toEqual(['PROVIDER', 'CPU', 'MEMORY', 'GPUS', 'UNREVEALED', 'ANNOUNCED', 'FROM', 'ADDRESS'])
    expect(rest).toEqual([])
    const cells = row?.split(/\s{2,}/) ?? []
    expect(cells[0]).toBe(provider.node.key.accountId)
    expect(cells[1]).toBe('64.0/64.0')
    expect(cells[2]).toBe('512.0 GiB/512.0 GiB')
    expect(cells[3]).toBe('8x nvidia h100 80Gi')
    // sealed commits never revealed / sealed, counted in final orders
    expect(cells[4]).toBe('0/0')
    expect(cells[5]).toMatch(/^\d+ (ms|s|min) ago$/)
    expect(['gossip', 'dht']).toContain(cells[6])
    expect(cells[7]).toBe(provider.node.multiaddrs()[0])
  })

  it('a node that knows no provider says so', async () => {
    const r = await cli('providers', '--data', lone.dataDir)
    expect([r.code, r.out]).toEqual([0, 'no providers known yet\n'])
    expect((await cli('providers', '--data', lone.dataDir, '--json')).json()).toEqual({ providers: [] })
  })

  it('on a data directory with no node: exit 1, naming the data directory', async () => {
    const r = await cli('providers', '--data', emptyDir)
    expect(r.code).toBe(1)
    expect(r.err).toContain(emptyDir)
  })
})

describe('skymesh start and relay, in-process', () => {
  async function quietDataDir (): Promise<string> {
    const d = await tempDir('skymesh-cli-start-')
    closers.push(d.cleanup)
    // runNode logs at the config's level on stderr: keep the test output clean
    await writeFile(join(d.path, 'config.yaml'), 'node:\n  logLevel: error\n')
    return d.path
  }

  it('relay runs until the signal fires: one JSON line, node.json for status, removed on stop', async () => {
    const dataDir = await quietDataDir()
    const stop = new AbortController()
    const ctx = captureContext({ signal: stop.signal })
    const running = runCli(['relay', '--data', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--json'], ctx)
    try {
      await waitFor('the first JSON line', () => ctx.out().includes('\n'), 15_000, 20)
      const first = ctx.lines()[0] as { peerId: string, multiaddrs: string[], api: string }
      expect(first.peerId).toMatch(/^12D3KooW/)
      expect(first.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(first.multiaddrs.every((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
      expect((await readRuntimeFile(dataDir))?.api).toBe(first.api)
      const s = (await cli('status', '--data', dataDir, '--json')).json() as NodeStatus
      expect(s).toMatchObject({ peerId: first.peerId, roles: ['relay'], relayReservations: 0 })
    } finally {
      stop.abort()
    }
    expect(await running).toBe(0)
    expect(await readRuntimeFile(dataDir)).toBeUndefined()
    expect((await cli('status', '--data', dataDir)).code).toBe(1)
  }, 30_000)

  it('bad --api, --role or --bootstrap: exit 2 with a typed error, before any node starts', async () => {
    const dataDir = await quietDataDir()
    const cases: Array<[string[], string]> = [
      [['--api', 'localhost'], 'BAD_ARGUMENT'],
      [['--role', 'miner'], 'BAD_ARGUMENT'],
      [['--bootstrap', '/ip4/127.0.0.1/tcp/4001'], 'BAD_MULTIADDR']
    ]
    for (const [extra, code] of cases) {
      const r = await cli('start', '--data', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', ...extra, '--json')
      expect(r.code, extra.join(' ')).toBe(2)
      expect(r.json()).toMatchObject({ ok: false, error: { code } })
      expect(await readRuntimeFile(dataDir)).toBeUndefined()
    }
    const human = await cli('start', '--data', dataDir, '--bootstrap', '/ip4/127.0.0.1/tcp/4001')
    expect(human.err).toContain('/ip4/127.0.0.1/tcp/4001')
  }, 30_000)
})
