import { mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { stringify } from 'yaml'
import type { OrderView } from '../../api/index.js'
import { CONFIG_FILE_NAME, loadDevnetSpec, writeFileAtomic } from '../../config/index.js'
import { parsePricing } from '../../market/index.js'
import { connectRuntime } from '../../workload/index.js'
import type { Role } from '../../node/roles.js'
import type { SkymeshNode } from '../../node/runtime.js'
import { SdlError, isSdlError, parseSdl } from '../../sdl/index.js'
import { RuntimeError, UsageError, errorMessage } from '../../util/errors.js'
import { createLogger } from '../../util/logger.js'
import { boolOpt, printJson, stringOpt, type Command } from '../command.js'
import { settled } from './deploy.js'
import { leaseLines, noLeaseLines, progressLine } from './market-format.js'
import { launchNode } from './start.js'
import type { ApiServer } from '../../api/index.js'

const READY_TIMEOUT_MS = 30_000
const SETTLE_MS = 20_000
const STOP_LIMIT_MS = 6_000

interface DevnetNode { name: string, roles: Role[], node: SkymeshNode, server: ApiServer, dataDir: string }

/** The config.yaml of a devnet node: rewritten at every start, so each directory explains itself. */
function nodeConfig (roles: Role[], workloads: 'run' | 'off', provider?: { attributes: Record<string, string> }): string {
  const doc: Record<string, unknown> = {
    node: { roles, listen: ['/ip4/127.0.0.1/tcp/0'], logLevel: 'warn' },
    ...(provider !== undefined ? { provider: { attributes: provider.attributes, pricing: 'pricing.yaml', workloads } } : {})
  }
  return `# written by skymesh devnet at every start; edit config/devnet.yaml instead\n${stringify(doc)}`
}

/** Is a container runtime reachable (DOCKER_HOST or the usual sockets)? */
async function findRuntime (): Promise<{ found: true, label: string } | { found: false, why: string }> {
  try {
    const rt = await connectRuntime({}, AbortSignal.timeout(3000))
    return { found: true, label: `${rt.info.kind} ${rt.info.version} at ${rt.info.endpoint}` }
  } catch (err) {
    return { found: false, why: errorMessage(err).slice(0, 200) }
  }
}

async function waitUntil (what: string, ready: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!ready()) {
    if (signal.aborted) throw new RuntimeError('TIMEOUT', 'interrupted')
    if (Date.now() > deadline) throw new RuntimeError('TIMEOUT', `the devnet did not get ready in ${timeoutMs / 1000} s: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export const devnetCommand: Command = {
  name: 'devnet',
  summary: 'run a local mesh in one process (a relay, the providers of config/devnet.yaml, a tenant), deploy an example SDL and print the lease; runs until Ctrl-C',
  usage: 'skymesh devnet [--sdl FILE] [--devnet FILE] [--once] [--data DIR] [--json]',
  options: {
    sdl: { type: 'string', valueName: 'FILE', description: 'SDL to deploy (default: the devnet file\'s, config/deploy.example.yaml)' },
    devnet: { type: 'string', valueName: 'FILE', description: 'devnet description (default config/devnet.yaml)' },
    once: { type: 'boolean', description: 'stop after the deployment settled instead of running until Ctrl-C (exit 0 only with every lease active)' }
  },
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const devnetFile = stringOpt(args, 'devnet')
    const spec = await loadDevnetSpec(devnetFile !== undefined ? resolve(ctx.cwd, devnetFile) : undefined)
    const sdlFile = stringOpt(args, 'sdl') !== undefined ? resolve(ctx.cwd, stringOpt(args, 'sdl') as string) : spec.sdl
    let sdlText: string
    try {
      sdlText = await readFile(sdlFile, 'utf8')
    } catch (err) {
      throw new UsageError('BAD_ARGUMENT', `cannot read ${sdlFile}: ${errorMessage(err)}`)
    }
    try {
      parseSdl(sdlText)
    } catch (err) {
      if (!isSdlError(err)) throw err
      throw new SdlError(err.code, `${sdlFile}${err.line !== undefined ? `:${err.line}:${err.column ?? 0}` : ''}: ${err.message}`, { path: err.path })
    }
    // every provider's pricing is checked before anything starts
    for (const [i, p] of spec.providers.entries()) parsePricing(p.pricingYaml, `devnet providers[${i}].pricing`)

    const base = join(args.dataDir, 'devnet')
    const logger = createLogger('warn')
    // Providers run leases as containers when a runtime answers (Docker or Podman); without one
    // the devnet still runs the auction, and says plainly that nothing is started.
    const workloads = await findRuntime()
    if (!args.json) {
      ctx.io.stdout(workloads.found
        ? `container runtime: ${workloads.label}: leases run as containers\n`
        : `no container runtime found (${workloads.why}): the auction runs, workloads are not started\n`)
    }
    // in the devnet file's order (relay, providers, tenant), whatever order they finish starting
    const nodes: DevnetNode[] = []
    const order = ['relay', ...spec.providers.map((p) => p.name), 'tenant']
    const api = { host: '127.0.0.1', port: 0 }
    const start = async (name: string, roles: Role[], bootstrap: string[], provider?: { attributes: Record<string, string>, pricingYaml: string }): Promise<DevnetNode> => {
      const dataDir = join(base, name)
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      await writeFileAtomic(join(dataDir, CONFIG_FILE_NAME), nodeConfig(roles, workloads.found ? 'run' : 'off', provider))
      if (provider !== undefined) await writeFileAtomic(join(dataDir, 'pricing.yaml'), provider.pricingYaml)
      const { node, server } = await launchNode({ dataDir, bootstrap }, api, { logger: logger.child({ node: name }) })
      const n = { name, roles, node, server, dataDir }
      nodes.push(n)
      nodes.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
      return n
    }
    const stopAll = async (): Promise<void> => {
      const closing = Promise.allSettled(nodes.splice(0).reverse().map(async (n) => { await n.server.close(); await n.node.close() }))
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, STOP_LIMIT_MS).unref())])
    }

    try {
      const relay = await start('relay', ['relay'], [])
      const relayAddr = relay.node.multiaddrs().find((a) => a.includes('/tcp/') && !a.includes('/ws'))
      if (relayAddr === undefined) throw new RuntimeError('INTERNAL', 'the devnet relay has no TCP address')
      const providers = await Promise.all(spec.providers.map(async (p) => await start(p.name, ['provider'], [relayAddr], p)))
      const tenant = await start('tenant', ['tenant'], [relayAddr])
      const nameOf = new Map(nodes.map((n) => [n.node.key.accountId, n.name]))
      const label = (text: string): string => { let t = text; for (const [id, name] of nameOf) t = t.replaceAll(id, `${name} (${id.slice(-6)})`).replaceAll(`${id.slice(0, 12)}…${id.slice(-6)}`, name); return t }

      if (args.json) printJson(ctx.io, { nodes: nodes.map((n) => ({ name: n.name, roles: n.roles, peerId: n.node.key.accountId, api: n.server.url, dataDir: n.dataDir })) })
      else {
        ctx.io.stdout(`skymesh devnet: ${nodes.length} nodes on 127.0.0.1 (data in ${base})\n`)
        for (const n of nodes) ctx.io.stdout(`  ${n.name.padEnd(12)} ${n.roles.join(',').padEnd(9)} ${n.node.key.accountId}  ${n.server.url}\n`)
      }
      // deploy once every provider's announce reached the tenant and the order topic has a mesh
      await waitUntil('providers announced to the tenant', () => providers.every((p) => tenant.node.directory.get(p.node.key.accountId) !== undefined), READY_TIMEOUT_MS, ctx.signal)
      await waitUntil('gossip mesh formed', () => tenant.node.gossipView().peers.orders?.mesh !== undefined && (tenant.node.gossipView().peers.orders?.mesh ?? 0) > 0 && providers.every((p) => (p.node.gossipView().peers.bids?.mesh ?? 0) > 0), READY_TIMEOUT_MS, ctx.signal)

      const { dseq, orderIds } = await tenant.node.deploy(sdlText)
      if (!args.json) ctx.io.stdout(`deploying ${sdlFile} (deployment ${dseq}, ${orderIds.length} order${orderIds.length === 1 ? '' : 's'})\n`)
      const views = new Map<string, OrderView>()
      const report = (id: string): void => {
        if (!orderIds.includes(id)) return
        const v = tenant.node.order(id)
        if (v === undefined) return
        const line = progressLine(v, views.get(id), Date.now())
        views.set(id, v)
        if (line !== undefined && !args.json) ctx.io.stdout(label(line) + '\n')
      }
      const unsubscribe = tenant.node.onOrderUpdate(report)
      const first = tenant.node.order(orderIds[0] as string)
      const deadline = Date.now() + Math.max(0, (first?.revealUntil ?? Date.now()) - Date.now()) + SETTLE_MS
      try {
        await waitUntil('the deployment settled', () => { orderIds.forEach(report); return orderIds.every((id) => { const v = views.get(id); return v !== undefined && settled(v) }) }, deadline - Date.now(), ctx.signal)
      } catch (err) {
        if (ctx.signal.aborted) throw err
        ctx.io.stderr(`skymesh: ${errorMessage(err)}\n`)
      } finally {
        unsubscribe()
      }
      const orders = orderIds.map((id) => views.get(id)).filter((v): v is OrderView => v !== undefined)
      const allActive = orders.length === orderIds.length && orders.every((o) => o.lease?.state === 'active')
      if (args.json) printJson(ctx.io, { dseq, orderIds, ok: allActive, orders, leases: orders.flatMap((o) => o.lease === undefined ? [] : [o.lease]) })
      else {
        for (const o of orders) {
          if (o.lease !== undefined) {
            ctx.io.stdout(label(leaseLines(o.lease).join('\n')) + '\n')
            for (const nb of o.noBids) ctx.io.stdout(label(`  ${nb.provider} declined: ${nb.reasons.map((r) => `[${r.code}] ${r.message}`).join('; ')}`) + '\n')
          } else {
            ctx.io.stdout(label(noLeaseLines(o).join('\n')) + '\n')
          }
        }
      }
      if (boolOpt(args, 'once')) return allActive ? 0 : 1
      if (!args.json) {
        ctx.io.stdout(`devnet running. In another terminal: skymesh orders --data ${tenant.dataDir}\n`)
        ctx.io.stdout(`  or deploy again: skymesh deploy FILE --wait --data ${tenant.dataDir}\n`)
        ctx.io.stdout('Ctrl-C to stop\n')
      }
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve()
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true })
      })
      if (!args.json) ctx.io.stdout('stopping the devnet\n')
      return 0
    } finally {
      await stopAll()
    }
  }
}
