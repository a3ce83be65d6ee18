import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { connectToNode, type NodeClient } from '../../src/api/index.js'
import type { LeaseView, NodeStatus, OrderView, ProviderView } from '../../src/api/index.js'
import { defaultConfig } from '../../src/config/index.js'
import { tempDir } from './io.js'
import { startMeshNode, waitFor, type MeshProc } from './mesh.js'

/**
 * An honest skymesh mesh for adversarial tests: a relay, providers with the prices a test
 * gives, and a tenant, each a separate CLI process (dist/) on 127.0.0.1 with port 0 and a data
 * directory of its own, all sharing one network section. stop() kills every process and removes
 * every directory, also when the start failed halfway; a process 'exit' hook kills what is
 * still running if the test process dies first.
 *
 * Plus readers of what the honest nodes agree on (their local APIs: orders and leases) and of
 * how they are doing (API latency, RSS), for tests that attack them with a HostileNode.
 */

/** A config.yaml as sections of keys (merged section by section over the mesh's own). */
export type ConfigSections = Record<string, Record<string, unknown>>

export interface ProviderSpec {
  name: string
  /** pricing: USD per month per CPU core (the other resources at the built-in prices) */
  cpuUsdPerMonth: string
  /** more config for this provider (e.g. { provider: { reserved: { cpu: ... } } }) */
  config?: ConfigSections
  /** operator attributes (--attr KEY=VALUE) */
  attributes?: Record<string, string>
}

export interface HonestMeshOptions {
  providers: ProviderSpec[]
  /** start a tenant (default true) */
  tenant?: boolean
  /** network id of config.yaml (default: one of its own per mesh, so meshes never mix) */
  networkId?: string
  commitWindowMs?: number
  revealWindowMs?: number
  /** more config for every node, merged section by section */
  config?: ConfigSections
  /** for the whole start (default 90 s) */
  startTimeoutMs?: number
}

export interface HonestNode {
  name: string
  roles: string[]
  dataDir: string
  peerId: string
  multiaddrs: string[]
  /** the TCP (not WebSocket) address, with /p2p/<peer id>: what a hostile node dials */
  tcpAddr: string
  /** the local API's base URL and port */
  api: string
  apiPort: number
  pid: number
  proc: MeshProc['proc']
  /** GET a path of the local API (5 s timeout) */
  get: <T = unknown>(path: string) => Promise<T>
  /** the project's API client for this node (src/api/client.ts), through its node.json */
  client: () => Promise<NodeClient>
}

export interface HonestMesh {
  /** what a HostileNode needs to join: the network id the relay reports, and the prefix */
  network: { networkId: string, protocolPrefix: string }
  relay: HonestNode
  providers: HonestNode[]
  tenant: HonestNode | undefined
  /** every node, relay first */
  nodes: HonestNode[]
  node: (name: string) => HonestNode
  /** kill every process (SIGINT, SIGKILL after 3 s) and remove every data directory; idempotent */
  stop: () => Promise<void>
}

/** The network section every node of one mesh shares (windows short enough for a test). */
function networkSection (opts: HonestMeshOptions, id: string): Record<string, unknown> {
  return { id, commitWindowMs: opts.commitWindowMs ?? 2000, revealWindowMs: opts.revealWindowMs ?? 3000 }
}

function mergeSections (...parts: Array<ConfigSections | undefined>): ConfigSections {
  const out: ConfigSections = {}
  for (const p of parts) for (const [k, v] of Object.entries(p ?? {})) out[k] = { ...(out[k] ?? {}), ...v }
  return out
}

export async function startHonestMesh (opts: HonestMeshOptions): Promise<HonestMesh> {
  const started: Array<MeshProc & { cleanupDir: () => Promise<void> }> = []
  const dirs: Array<() => Promise<void>> = []
  const killAll = (): void => { for (const p of started) if (p.proc.child.exitCode === null) p.proc.child.kill('SIGKILL') }
  // last resort: a test process that dies (or a worker torn down) must not leave nodes behind
  process.once('exit', killAll)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await Promise.all(started.map(async (p) => { await p.proc.stop(3000) }))
    for (const d of dirs) await d().catch(() => {})
    process.off('exit', killAll)
  }

  const networkId = opts.networkId ?? `hostile-${randomBytes(4).toString('hex')}`
  const network = networkSection(opts, networkId)
  const protocolPrefix = typeof opts.config?.network?.protocolPrefix === 'string' ? opts.config.network.protocolPrefix : defaultConfig.network.protocolPrefix
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000)
  const left = (): number => Math.max(1_000, deadline - Date.now())

  const nodeDir = async (name: string, config: ConfigSections | undefined, pricing?: string): Promise<string> => {
    const d = await tempDir(`skymesh-hostile-${name}-`)
    dirs.push(d.cleanup)
    // warn: an attacked node may log a lot, and the test process keeps every line of stderr
    // providers run no containers here (the workload tests have their own runtime)
    const sections = mergeSections({ network, node: { logLevel: 'warn' }, provider: { workloads: 'off' } }, opts.config, config)
    await writeFile(join(d.path, 'config.yaml'), stringify(sections))
    if (pricing !== undefined) await writeFile(join(d.path, 'pricing.yaml'), pricing)
    return d.path
  }
  const launch = async (name: string, roles: string[], args: string[], dataDir: string): Promise<HonestNode> => {
    const p = await startMeshNode(args, { dataDir, timeoutMs: left() })
    started.push(p)
    return honestNode(name, roles, p)
  }

  try {
    const relay = await launch('relay', ['relay'], ['relay'], await nodeDir('relay', undefined))
    const bootstrap = ['--bootstrap', relay.tcpAddr]
    const providers = await Promise.all(opts.providers.map(async (spec) => {
      const dir = await nodeDir(spec.name, spec.config, `unit: usd-per-month\ncpu: ${spec.cpuUsdPerMonth}\n`)
      const attrs = Object.entries(spec.attributes ?? {}).flatMap(([k, v]) => ['--attr', `${k}=${v}`])
      return await launch(spec.name, ['provider'], ['provider', ...bootstrap, '--pricing', join(dir, 'pricing.yaml'), ...attrs], dir)
    }))
    for (const p of providers) {
      await waitFor(`announce of ${p.name} landed`, async () => (await p.get<NodeStatus>('/status')).announce?.landed === true, left())
    }
    const tenant = opts.tenant === false
      ? undefined
      : await launch('tenant', ['tenant'], ['start', '--role', 'tenant', ...bootstrap], await nodeDir('tenant', undefined))
    const nodes = [relay, ...providers, ...(tenant !== undefined ? [tenant] : [])]
    if (tenant !== undefined) {
      await waitFor('tenant knows every provider', async () => (await tenant.get<{ providers: ProviderView[] }>('/providers')).providers.length === providers.length, left())
    }
    // every node has a gossip mesh peer on every topic: what one publishes reaches the others
    for (const n of nodes) {
      await waitFor(`gossip mesh of ${n.name}`, async () => Object.values((await n.get<NodeStatus>('/status')).mesh).every((m) => m > 0), left())
    }
    const status = await relay.get<NodeStatus>('/status')
    return {
      network: { networkId: status.network, protocolPrefix },
      relay,
      providers,
      tenant,
      nodes,
      node: (name) => {
        const n = nodes.find((x) => x.name === name)
        if (n === undefined) throw new Error(`no honest node named ${name}`)
        return n
      },
      stop
    }
  } catch (err) {
    const why = started.map((p) => p.proc.stderr().trim()).filter((e) => e !== '').join('\n---\n').slice(-4000)
    await stop()
    throw new Error(`honest mesh did not start: ${(err as Error).message}${why !== '' ? `\nstderr:\n${why}` : ''}`)
  }
}

function honestNode (name: string, roles: string[], p: MeshProc): HonestNode {
  const tcpAddr = p.multiaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws') && !a.includes('/p2p-circuit'))
  if (tcpAddr === undefined) throw new Error(`${name} has no TCP address: ${p.multiaddrs.join(', ')}`)
  const pid = p.proc.child.pid
  if (pid === undefined) throw new Error(`${name} has no pid`)
  return {
    name,
    roles,
    dataDir: p.dataDir,
    peerId: p.peerId,
    multiaddrs: p.multiaddrs,
    tcpAddr: tcpAddr.includes('/p2p/') ? tcpAddr : `${tcpAddr}/p2p/${p.peerId}`,
    api: p.api,
    apiPort: Number(new URL(p.api).port),
    pid,
    proc: p.proc,
    get: p.get,
    client: async () => await connectToNode(p.dataDir, 5_000)
  }
}

// ---- what the honest nodes report -------------------------------------------------------------

/** Orders and leases as one node's local API reports them. */
export async function readMarket (node: HonestNode): Promise<{ orders: OrderView[], leases: LeaseView[] }> {
  const c = await node.client()
  const [orders, leases] = await Promise.all([c.get('/orders'), c.get('/leases')])
  return { orders: orders.orders, leases: leases.leases }
}

/**
 * The part of an order every honest node must report alike: the outcome and the lease, the
 * commits the seal names, and (unless the order is void) the signed order's own fields.
 *
 * Left out as purely local or arrival-dependent:
 *   - phase: from this node's clock;
 *   - mine, myReasons: this node's own relation to the order (its tenant, its no-bid reasons);
 *   - noBids: the NoBid messages gossip happened to bring, not part of the outcome;
 *   - bids, beyond which commits are sealed: commits the seal does not name and reveals the award
 *     does not name may reach some nodes and not others (docs/market.md, Determinism), and so
 *     may a bid's revealed price;
 *   - for a void order, the order's fields: which of two equivocating copies a node shows
 *     depends on which arrived first.
 */
export interface AgreedOrder {
  orderId: string
  outcome: OrderView['outcome']
  outcomeReason?: string
  order?: Pick<OrderView, 'tenant' | 'dseq' | 'gseq' | 'group' | 'maxPrice' | 'commitUntil' | 'revealUntil'>
  sealedCommits: string[]
  lease?: LeaseView
}

export function agreedView (o: OrderView): AgreedOrder {
  return {
    orderId: o.orderId,
    outcome: o.outcome,
    ...(o.outcomeReason !== undefined ? { outcomeReason: o.outcomeReason } : {}),
    ...(o.outcome !== 'void' ? { order: { tenant: o.tenant, dseq: o.dseq, gseq: o.gseq, group: o.group, maxPrice: o.maxPrice, commitUntil: o.commitUntil, revealUntil: o.revealUntil } } : {}),
    sealedCommits: o.bids.filter((b) => b.sealed).map((b) => b.commitId).sort(),
    ...(o.lease !== undefined ? { lease: o.lease } : {})
  }
}

export interface AgreementOptions {
  /** only these orders (default: every order any node reports) */
  orderIds?: string[]
  /** keep reading until they agree, at most this long (default 15 s): gossip is not instant */
  timeoutMs?: number
  /** also require every order settled: an outcome, and a lease no longer waiting for its accept */
  settled?: boolean
}

/**
 * Every honest node reports the same AgreedOrder for every order (and the same /leases entry
 * as the lease inside it). Polls until they do; throws with the differences otherwise.
 * Resolves with the agreed views by order id.
 */
export async function expectAgreement (nodes: HonestNode[], opts: AgreementOptions = {}): Promise<Map<string, AgreedOrder>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000)
  let problems: string[] = []
  for (;;) {
    const views = await Promise.all(nodes.map(async (n) => ({ n, m: await readMarket(n) })))
    problems = []
    const ids = opts.orderIds ?? [...new Set(views.flatMap((v) => v.m.orders.map((o) => o.orderId)))].sort()
    const agreed = new Map<string, AgreedOrder>()
    for (const id of ids) {
      let first: { name: string, json: string, view: AgreedOrder } | undefined
      for (const { n, m } of views) {
        const o = m.orders.find((x) => x.orderId === id)
        if (o === undefined) { problems.push(`${n.name} does not know order ${id.slice(0, 12)}`); continue }
        const view = agreedView(o)
        const json = JSON.stringify(view)
        const lease = m.leases.find((l) => l.orderId === id)
        if (JSON.stringify(lease) !== JSON.stringify(view.lease)) problems.push(`${n.name}: /leases and /orders differ on ${id.slice(0, 12)}`)
        if (opts.settled === true && (view.outcome === 'pending' || view.lease?.state === 'awarded')) problems.push(`${n.name}: ${id.slice(0, 12)} not settled (${view.outcome}${view.lease !== undefined ? `, lease ${view.lease.state}` : ''})`)
        if (first === undefined) first = { name: n.name, json, view }
        else if (json !== first.json) problems.push(`${n.name} and ${first.name} differ on ${id.slice(0, 12)}: ${json} vs ${first.json}`)
      }
      if (first !== undefined) agreed.set(id, first.view)
    }
    if (problems.length === 0) return agreed
    if (Date.now() > deadline) throw new Error(`honest nodes disagree:\n  ${problems.slice(0, 20).join('\n  ')}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

// ---- observing nodes --------------------------------------------------------------------------

/**
 * When a node first reported each order, from its event stream (Date.now() in the test process
 * as the event arrived): which honest node saw what first, to the test's clock. Resolves once
 * the stream is open (the server's first line arrived), so no event after that is missed.
 * stop() closes the stream.
 */
export interface OrderWatch {
  firstSeen: Map<string, number>
  /** resolves with the time `orderId` was first seen, or rejects after timeoutMs */
  seen: (orderId: string, timeoutMs?: number) => Promise<number>
  stop: () => Promise<void>
}

export async function watchOrders (node: HonestNode, openTimeoutMs = 10_000): Promise<OrderWatch> {
  const ac = new AbortController()
  const firstSeen = new Map<string, number>()
  let opened: () => void = () => {}
  const open = new Promise<void>((resolve) => { opened = resolve })
  // read here rather than through NodeClient.orderEvents: that one does not say when the
  // stream is open, and an event sent before it is lost
  const loop = (async () => {
    try {
      const res = await fetch(node.api + '/events', { signal: ac.signal, headers: { accept: 'text/event-stream' } })
      if (!res.ok || res.body === null) return
      const decoder = new TextDecoder()
      let buf = ''
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        opened()
        buf += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end)
          buf = buf.slice(end + 2)
          if (!block.startsWith('event: order\n')) continue
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
          const v: unknown = JSON.parse(data)
          const id = typeof v === 'object' && v !== null && 'orderId' in v && typeof v.orderId === 'string' ? v.orderId : undefined
          if (id !== undefined && !firstSeen.has(id)) firstSeen.set(id, Date.now())
        }
      }
    } catch { /* stream ended: stop() or the node went away */ }
  })()
  const stop = async (): Promise<void> => { ac.abort(); await loop }
  const timer = setTimeout(() => { ac.abort() }, openTimeoutMs)
  await Promise.race([open, loop])
  clearTimeout(timer)
  if (ac.signal.aborted) { await stop(); throw new Error(`the event stream of ${node.name} did not open within ${openTimeoutMs} ms`) }
  return {
    firstSeen,
    seen: async (orderId, timeoutMs = 15_000) => await waitFor(`${node.name} sees ${orderId.slice(0, 12)}`, () => firstSeen.get(orderId), timeoutMs, 20),
    stop
  }
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status); undefined when gone. */
export function rssBytes (pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? undefined : Number(m[1]) * 1024
  } catch {
    return undefined
  }
}

/** The 1, 5 and 15 minute load averages of the machine: the figures of a shared machine need them. */
export function loadAverage (): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  } catch {
    return []
  }
}

/** How long one GET of the node's API takes, in ms; Infinity when it does not answer in time. */
export async function apiLatency (node: HonestNode, path = '/status', timeoutMs = 2_000): Promise<number> {
  const t0 = performance.now()
  try {
    const res = await fetch(node.api + path, { signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    return res.ok ? performance.now() - t0 : Infinity
  } catch {
    return Infinity
  }
}

/** Latency of one node's API as a probe saw it: ms of each answer, and the polls not answered in time. */
export interface LatencyStats {
  samples: number
  unanswered: number
  maxMs: number
  p50Ms: number
}

export interface LatencyProbe {
  /** stop polling; the figures per node name */
  stop: () => Promise<Record<string, LatencyStats>>
}

// The probe's loop: GET every URL at once, one JSON line per answer, then wait. Plain JS for
// `node -e`; fetch has its own deadline, so a node that stops answering shows as null.
const PROBE_SCRIPT = `
const [urls, every, timeout] = [JSON.parse(process.argv[1]), Number(process.argv[2]), Number(process.argv[3])]
let on = true
process.on('SIGTERM', () => { on = false })
const get = async (u) => {
  const t0 = performance.now()
  try { const r = await fetch(u, { signal: AbortSignal.timeout(timeout) }); await r.arrayBuffer(); return r.ok ? performance.now() - t0 : null } catch { return null }
}
// one round unrecorded: the first fetch of a process loads and sets up its HTTP client
await Promise.all(urls.map(get))
while (on) {
  await Promise.all(urls.map(async (u, i) => { process.stdout.write(JSON.stringify({ i, ms: await get(u) }) + '\\n') }))
  await new Promise((r) => setTimeout(r, every))
}
`

/**
 * Poll every node's API (GET `path`) from a separate process every `everyMs`: the test process
 * itself is busy signing and running the hostile node, and its own event loop delays must not
 * count as the honest node's. stop() ends the probe and returns the figures.
 */
export function startLatencyProbe (nodes: HonestNode[], opts: { path?: string, everyMs?: number, timeoutMs?: number } = {}): LatencyProbe {
  const urls = nodes.map((n) => n.api + (opts.path ?? '/status'))
  const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, JSON.stringify(urls), String(opts.everyMs ?? 250), String(opts.timeoutMs ?? 2_000)], { stdio: ['ignore', 'pipe', 'ignore'] })
  const seen: Array<Array<number | null>> = nodes.map(() => [])
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const v = JSON.parse(line) as { i: number, ms: number | null }
      seen[v.i]?.push(v.ms)
    } catch { /* not a probe line */ }
  })
  // the probe outlives nodes that stopped answering: it must not outlive the test process
  const kill = (): void => { child.kill('SIGKILL') }
  process.once('exit', kill)
  const exited = new Promise<void>((resolve) => child.once('exit', () => { process.off('exit', kill); resolve() }))
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), (opts.timeoutMs ?? 2_000) + 1_000)
      await exited
      clearTimeout(timer)
      const out: Record<string, LatencyStats> = {}
      nodes.forEach((n, i) => {
        const all = seen[i] ?? []
        const ok = all.filter((x): x is number => x !== null).sort((a, b) => a - b)
        out[n.name] = { samples: all.length, unanswered: all.length - ok.length, maxMs: Math.round(ok[ok.length - 1] ?? 0), p50Ms: Math.round(ok[Math.floor(ok.length / 2)] ?? 0) }
      })
      return out
    }
  }
}

/** Deploy an SDL through the tenant's API (POST /deploy with its token); the order ids. */
export async function deploy (tenant: HonestNode, sdl: string, maxPrice?: string): Promise<string[]> {
  const c = await tenant.client()
  const r = await c.post('/deploy', { sdl, ...(maxPrice !== undefined ? { maxPrice } : {}) })
  return r.orderIds
}
