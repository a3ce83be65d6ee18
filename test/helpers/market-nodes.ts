import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ApiServer } from '../../src/api/index.js'
import { parseConfigText } from '../../src/config/index.js'
import { launchNode } from '../../src/cli/commands/start.js'
import type { Role } from '../../src/node/roles.js'
import { SkymeshNode, type SkymeshNodeModules } from '../../src/node/runtime.js'
import { silentLogger } from '../../src/util/logger.js'
import { probeOf } from '../unit/hardware/helpers.js'
import { tempDir } from './io.js'
import { waitFor } from './mesh.js'

/**
 * In-process market nodes for unit tests: each with a temporary data directory whose config.yaml
 * carries the same network section (short auction windows, a network id of the test file's own),
 * the recorded probe of the hardware helpers (64 cores, 512 GiB, no GPU) for providers, and
 * 127.0.0.1 on a free port. Everything started is closed by closeAll(), newest first.
 */
export interface MarketNetwork {
  /** the network's name; its id is derived (networkIdOfTest) */
  id: string
  commitWindowMs: number
  revealWindowMs: number
  maxClockSkewMs: number
}

/** The network id nodes with this network section run on (name + hash of the parameters). */
export function networkIdOfTest (net: MarketNetwork): string {
  return parseConfigText(networkYaml(net), 'test').network.id
}

export function networkYaml (net: MarketNetwork): string {
  return `network:\n  name: ${net.id}\n  commitWindowMs: ${net.commitWindowMs}\n  revealWindowMs: ${net.revealWindowMs}\n  maxClockSkewMs: ${net.maxClockSkewMs}\n`
}

export interface NodeSpec {
  roles: Role[]
  bootstrap?: string[]
  /** pricing file text (written as pricing.yaml in the data directory and passed as --pricing) */
  pricing?: string
  /** operator attributes (--attr) */
  attributes?: Record<string, string>
  /** more config.yaml text after the network section */
  extraConfig?: string
  /** reuse a data directory (a restart); its config.yaml is left as it is */
  dataDir?: string
  modules?: Partial<SkymeshNodeModules>
}

export interface Started { node: SkymeshNode, dataDir: string, server?: ApiServer }

/** The first TCP address of a node (no WebSockets), to bootstrap others through it. */
export function tcpAddr (node: SkymeshNode): string {
  const a = node.multiaddrs().find((m) => m.includes('/tcp/') && !m.includes('/ws'))
  if (a === undefined) throw new Error('node has no TCP address')
  return a
}

/** The redis SDL of awesome-akash (1 cpu, 1 GiB, 1 GiB storage, at most 100000 uact/block). */
export const REDIS_SDL_PATH = new URL('../fixtures/sdl/corpus/redis__deploy.yaml', import.meta.url).pathname
export const REDIS_SDL = readFileSync(REDIS_SDL_PATH, 'utf8')

export class MarketNodes {
  private readonly closers: Array<() => Promise<void>> = []

  constructor (readonly net: MarketNetwork) {}

  /** A fresh data directory with the network section (and `extra`) in its config.yaml. */
  async dataDir (extra = ''): Promise<string> {
    const d = await tempDir('skymesh-market-unit-')
    this.closers.push(d.cleanup)
    // in-process providers run no containers unless a test says so (provider.workloads)
    const provider = extra.includes('provider:') ? '' : 'provider:\n  workloads: off\n'
    await writeFile(join(d.path, 'config.yaml'), networkYaml(this.net) + provider + extra)
    return d.path
  }

  private async prepare (spec: NodeSpec): Promise<{ dataDir: string, opts: Parameters<typeof SkymeshNode.init>[0], modules: Partial<SkymeshNodeModules> }> {
    const dataDir = spec.dataDir ?? await this.dataDir(spec.extraConfig)
    if (spec.pricing !== undefined) await writeFile(join(dataDir, 'pricing.yaml'), spec.pricing)
    const opts = {
      dataDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: spec.bootstrap ?? [],
      roles: spec.roles,
      ...(spec.pricing !== undefined ? { pricing: join(dataDir, 'pricing.yaml') } : {}),
      ...(spec.attributes !== undefined ? { attributes: spec.attributes } : {})
    }
    const modules = { logger: silentLogger, probe: async () => probeOf(), ...spec.modules }
    return { dataDir, opts, modules }
  }

  /** A node without an API. */
  async start (spec: NodeSpec): Promise<Started> {
    const { dataDir, opts, modules } = await this.prepare(spec)
    const node = await SkymeshNode.init(opts, modules)
    this.closers.push(async () => { await node.close() })
    return { node, dataDir }
  }

  /** A node with its local API and node.json, as `skymesh start` runs it (for the CLI). */
  async launch (spec: NodeSpec): Promise<Started & { server: ApiServer }> {
    const { dataDir, opts, modules } = await this.prepare(spec)
    const { node, server } = await launchNode(opts, { host: '127.0.0.1', port: 0 }, { ...modules, logger: silentLogger })
    this.closers.push(async () => { await server.close(); await node.close() })
    return { node, dataDir, server }
  }

  /** Run `fn` in closeAll(), before what was started earlier. */
  onClose (fn: () => Promise<void>): void {
    this.closers.push(fn)
  }

  async closeAll (): Promise<void> {
    while (this.closers.length > 0) {
      try { await this.closers.pop()?.() } catch { /* the others still close */ }
    }
  }
}

const MARKET_TOPICS = ['orders', 'bids', 'auction', 'leases'] as const

/** Every node has at least `min` mesh peers on every market topic (gossip will reach them). */
export async function waitForMarketMesh (nodes: SkymeshNode[], min = 1, timeoutMs = 20_000): Promise<void> {
  await waitFor('market gossip meshes', () => nodes.every((n) => {
    const peers = n.gossipView().peers
    return MARKET_TOPICS.every((t) => (peers[t]?.mesh ?? 0) >= min)
  }), timeoutMs, 50)
}
