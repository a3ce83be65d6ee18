/**
 * bench:market: the whole market, deploy to lease, on a mesh of separate node processes on
 * 127.0.0.1 (default 10: 1 relay, 2 tenants and 7 providers with different pricing, one of
 * them priced above the example's maximum so it declines). Every node runs the same network
 * section (short windows, default commit 1000 ms / reveal 1000 ms) from the config.yaml of its
 * data directory. Once the tenants know every provider and the gossip meshes formed, the tenants
 * deploy config/deploy.example.yaml at a steady rate (orders alternate between the tenants) and
 * record, for each order, its reveal deadline, when the tenant saw the award and when it saw the
 * lease active (LeaseAccept). A tenant closes each lease once it is active (a short job), so
 * the providers' capacity (this host's probe) is not used up by the benchmark itself. At the
 * end every node is asked for its leases, and the leases of every order are compared.
 * Prints `name: value unit (target ...)` lines.
 * Target (issue 9): order-to-lease latency beyond the configured windows, p99 under 200 ms on a
 * 10-process local mesh; orders settled per second across the mesh.
 *
 *   node dist/scripts/bench-market.js [--nodes 10] [--orders 45] [--rate 1] [--warmup 5]
 *                                     [--warmup-max 45] [--commit-ms 1000] [--reveal-ms 1000]
 *
 * Warm-up: the mesh's start-up (DHT refreshes, identify, autonat, first announces) keeps a
 * 2-core host saturated for tens of seconds; orders start after at least --warmup seconds, once
 * the mesh uses under half the cores (at most --warmup-max seconds).
 *
 * --rate is orders per second across the mesh (all tenants together). Capacity: every provider
 * holds the order's resources (0.5 CPU) from its commit until the award, so rate x (commit +
 * reveal window) x 0.5 CPU must fit in this host's cores, or providers decline for capacity.
 * BENCH_PROF=DIR: a CPU profile of one worker's measured window (BENCH_PROF_NODE=index, default
 * 3, a provider; 0 is the relay, 1-2 the tenants).
 * BENCH_TRACE=FILE: one line per order (ms since the first order, award and active latency
 * beyond revealUntil, winning provider).
 * BENCH_DEBUG=1: every node's gossip counters (accept/ignore/reject codes) on stderr.
 * BENCH_LOG=LEVEL: the nodes log at LEVEL (warn, debug) on stderr instead of staying silent.
 */
import '../src/util/polyfill.js'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { CONFIG_FILE_NAME, bundledConfigDir } from '../src/config/index.js'
import type { Role } from '../src/node/roles.js'
import { SkymeshNode } from '../src/node/runtime.js'
import { createLogger, silentLogger, type LogLevel } from '../src/util/logger.js'

const TOPICS = ['orders', 'bids', 'auction', 'leases'] as const
const NETWORK_ID = 'skymesh-bench-market'

interface OrderRecord {
  n: number
  orderId: string
  tenant: number
  /** ms since the epoch, like the order's deadlines */
  createdAt: number
  revealUntil: number
  /** when the tenant saw an outcome (award, or void) */
  awardAt?: number
  /** when the tenant saw the lease active (LeaseAccept) */
  activeAt?: number
  outcome?: string
  provider?: string
  error?: string
  /** orders still open at the end: how the tenant sees them */
  state?: string
}
interface LeaseRow { orderId: string, leaseId: string, provider: string, price: string, state: string }

type ToWorker =
  | { kind: 'start' }
  | { kind: 'deploy', n: number }
  | { kind: 'collect' }
  | { kind: 'stop' }
type FromWorker =
  | { kind: 'ready', peerId: string, addr: string }
  | { kind: 'status', peers: number, known: string[], mesh: Record<string, number>, cpuMicros: number }
  | { kind: 'order', rec: OrderRecord }
  | { kind: 'report', cpuMicros: number, leases: LeaseRow[], awardSeen: Array<[string, number]>, open: OrderRecord[], gossip: unknown }

// ---- worker ------------------------------------------------------------------------------

// BENCH_PROF=DIR: one worker (BENCH_PROF_NODE, default 3: a provider) writes a CPU profile of
// the measured window to DIR.
let session: import('node:inspector').Session | undefined
async function profile (stop: boolean, file = 'worker.cpuprofile'): Promise<void> {
  const inspector = await import('node:inspector')
  if (!stop) {
    session = new inspector.Session()
    session.connect()
    session.post('Profiler.enable')
    session.post('Profiler.start')
    return
  }
  session?.post('Profiler.stop', (err, res) => {
    if (err === null) void writeFile(join(process.env.BENCH_PROF as string, file), JSON.stringify(res.profile))
  })
}

async function worker (): Promise<void> {
  const send = (m: FromWorker): void => { if (process.connected) process.send?.(m) }
  const role = process.env.BENCH_ROLE as Role
  const dir = process.env.BENCH_DIR as string
  const index = Number(process.env.BENCH_INDEX)
  const bootstrap = process.env.BENCH_BOOTSTRAP ?? ''
  const attributes = process.env.BENCH_ATTRIBUTES !== undefined && process.env.BENCH_ATTRIBUTES !== '' ? JSON.parse(process.env.BENCH_ATTRIBUTES) as Record<string, string> : undefined
  const sdlText = await readFile(join(bundledConfigDir(), 'deploy.example.yaml'), 'utf8')
  const node = await SkymeshNode.init({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    ...(bootstrap !== '' ? { bootstrap: [bootstrap] } : {}),
    roles: [role],
    ...(role === 'provider' ? { pricing: join(dir, 'pricing.yaml') } : {}),
    ...(attributes !== undefined ? { attributes } : {})
  }, { logger: process.env.BENCH_LOG !== undefined && process.env.BENCH_LOG !== '' ? createLogger(process.env.BENCH_LOG as LogLevel, { node: index, role }) : silentLogger })

  let stopping = false
  const shutdown = (code: number): void => {
    if (stopping) return
    stopping = true
    clearInterval(statusTimer)
    setTimeout(() => process.exit(code), 5000).unref()
    void node.close().catch(() => {}).finally(() => process.exit(code))
  }
  // the coordinator handles Ctrl-C and stops us; if it dies, the IPC channel closes
  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => shutdown(0))
  // the coordinator went away without stopping us: it cannot clean up, so remove our own directory
  process.on('disconnect', () => {
    if (stopping) return
    stopping = true
    clearInterval(statusTimer)
    setTimeout(() => process.exit(1), 5000).unref()
    void node.close().catch(() => {}).finally(() => { void rm(dir, { recursive: true, force: true }).finally(() => process.exit(1)) })
  })

  // Every node: when it first saw each order's outcome (award or void), for the mesh-wide figure.
  const awardSeen = new Map<string, number>()
  node.onOrderUpdate((id) => {
    if (awardSeen.has(id)) return
    const o = node.marketService.book.outcome(id)
    if (o !== undefined && o.status !== 'pending') awardSeen.set(id, Date.now())
  })

  // Tenant: the orders it placed, followed through node.order(id).
  const mine = new Map<string, OrderRecord>()
  const finish = (r: OrderRecord): void => {
    if (!mine.delete(r.orderId)) return
    send({ kind: 'order', rec: r })
  }
  if (role === 'tenant') {
    node.onOrderUpdate((id) => {
      const r = mine.get(id)
      if (r === undefined) return
      const v = node.order(id)
      if (v === undefined) return
      const t = Date.now()
      if (r.awardAt === undefined && v.outcome !== 'pending') {
        r.awardAt = t
        r.outcome = v.outcome
        if (v.lease !== undefined) r.provider = v.lease.provider
      }
      if (v.lease !== undefined && v.lease.state !== 'awarded' && r.activeAt === undefined) {
        r.activeAt = t
        r.outcome = 'leased'
        // the job is done: closing frees the provider's capacity for the next orders
        if (v.lease.state === 'active') {
          void node.closeLease(v.lease.leaseId, 'bench: done').catch((err: unknown) => { r.error = `close: ${String(err)}` })
        }
        finish(r)
      } else if (v.outcome === 'no-lease' || v.outcome === 'void') {
        finish(r)
      }
    })
  }

  const statusTimer = setInterval(() => {
    const v = node.gossipView()
    const mesh: Record<string, number> = {}
    for (const t of TOPICS) mesh[t] = v.peers[t]?.mesh ?? 0
    const u = process.cpuUsage()
    send({ kind: 'status', peers: node.libp2p.getPeers().length, known: node.directory.list().map((e) => e.peerId), mesh, cpuMicros: u.user + u.system })
  }, 250)

  let cpuStart = process.cpuUsage()
  const profiling = process.env.BENCH_PROF !== undefined && process.env.BENCH_PROF !== '' && (process.env.BENCH_PROF_NODE ?? '3') === String(index)
  process.on('message', (m: ToWorker) => {
    if (m.kind === 'start') {
      // the measured window starts: no more status IPC
      clearInterval(statusTimer)
      if (profiling) void profile(false)
      cpuStart = process.cpuUsage()
    } else if (m.kind === 'deploy') {
      const createdAt = Date.now()
      node.deploy(sdlText).then(({ orderIds }) => {
        for (const orderId of orderIds) {
          const v = node.order(orderId)
          const rec: OrderRecord = { n: m.n, orderId, tenant: index, createdAt, revealUntil: v?.revealUntil ?? NaN }
          // no outcome can come before revealUntil, long after deploy() returned
          mine.set(orderId, rec)
        }
      }, (err: unknown) => {
        send({ kind: 'order', rec: { n: m.n, orderId: `failed-${index}-${m.n}`, tenant: index, createdAt, revealUntil: NaN, error: String(err) } })
      })
    } else if (m.kind === 'collect') {
      const u = process.cpuUsage(cpuStart)
      if (profiling) void profile(true, `${index}-${role}.cpuprofile`)
      const leases: LeaseRow[] = node.leases().map((l) => ({ orderId: l.orderId, leaseId: l.leaseId, provider: l.provider, price: `${l.pricePerBlock} ${l.denom}`, state: l.state }))
      const v = node.gossipView()
      const open = [...mine.values()].map((r) => {
        const o = node.order(r.orderId)
        return { ...r, state: o === undefined ? 'unknown' : `${o.phase}/${o.outcome}${o.outcomeReason !== undefined ? `:${o.outcomeReason}` : ''}, ${o.bids.length} commits, ${o.bids.filter((b) => b.sealed).length} sealed, ${o.bids.filter((b) => b.price !== undefined).length} revealed, ${o.noBids.length} no-bids` }
      })
      send({ kind: 'report', cpuMicros: u.user + u.system, leases, awardSeen: [...awardSeen], open, gossip: { topics: v.topics, codes: v.codes } })
    } else {
      shutdown(0)
    }
  })
  const tcp = node.multiaddrs().find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
  send({ kind: 'ready', peerId: node.key.accountId, addr: tcp })
}

// ---- coordinator -------------------------------------------------------------------------

/** Provider pricing: different prices and units; the last one asks more than the example's maximum (1000 uact/block). */
function providerPricing (i: number, providers: number): Record<string, unknown> {
  if (i === providers - 1 && providers > 1) return { unit: 'uact-per-block', cpu: 2500, memory: 10 }
  const table: Array<Record<string, unknown>> = [
    { unit: 'usd-per-month', cpu: 1.60, memory: 0.80 },
    { unit: 'usd-per-month', cpu: 1.20, memory: 0.60 },
    { unit: 'usd-per-month', cpu: 2.00, memory: 1.00, storage: { default: 0.05 } },
    { unit: 'uact-per-block', cpu: 4, memory: 2 },
    { unit: 'usd-per-month', cpu: 1.40, memory: 0.70, storage: { default: 0.01 } },
    { unit: 'usd-per-month', cpu: 0.90, memory: 1.40 }
  ]
  const base = table[i % table.length] as Record<string, unknown>
  // more providers than the table: the same shapes, each a little dearer
  const k = 1 + 0.07 * Math.floor(i / table.length)
  return { ...base, cpu: Math.round((base.cpu as number) * k * 100) / 100, memory: Math.round((base.memory as number) * k * 100) / 100 }
}

const REGIONS = ['us-east', 'eu-west', 'ap-south', 'us-west', 'eu-central', 'sa-east']

function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/** Busy share of the host's cores since `since` (all processes), or a snapshot to start from. */
function hostCpu (): { busy: number, total: number }
function hostCpu (since: { busy: number, total: number }): number
function hostCpu (since?: { busy: number, total: number }): number | { busy: number, total: number } {
  let busy = 0
  let total = 0
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle
    total += t
    busy += t - c.times.idle
  }
  if (since === undefined) return { busy, total }
  return total > since.total ? (busy - since.busy) / (total - since.total) : NaN
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

async function coordinator (): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '10' },
      orders: { type: 'string', default: '45' },
      rate: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '5' },
      'warmup-max': { type: 'string', default: '45' },
      'commit-ms': { type: 'string', default: '1000' },
      'reveal-ms': { type: 'string', default: '1000' }
    }
  })
  const N = Number(values.nodes)
  const orders = Number(values.orders)
  const rate = Number(values.rate)
  const warmupMs = Number(values.warmup) * 1000
  const warmupMaxMs = Math.max(warmupMs, Number(values['warmup-max']) * 1000)
  const cores = availableParallelism()
  const quietCores = 0.5 * cores
  let warmedMs = 0
  const commitMs = Number(values['commit-ms'])
  const revealMs = Number(values['reveal-ms'])
  if (!Number.isInteger(N) || N < 4) throw new Error('--nodes must be at least 4 (a relay, two tenants, a provider)')
  if (!Number.isInteger(orders) || orders < 1) throw new Error('--orders must be a positive integer')
  if (!(rate > 0)) throw new Error('--rate must be above 0')
  if (!(warmupMs >= 0)) throw new Error('--warmup must be 0 or more seconds')
  const TENANTS = 2
  const P = N - 1 - TENANTS
  // every node shares one clock here: a small skew lets the commit window be as short as 1 s
  const network = { id: NETWORK_ID, commitWindowMs: commitMs, revealWindowMs: revealMs, maxClockSkewMs: Math.min(500, Math.floor(commitMs / 2)) }
  const deployMs = (orders / rate) * 1000
  // everything is bounded: start-up, deploys, settling, collection
  const hardLimitMs = 120_000 + warmupMaxMs + deployMs + commitMs + revealMs + 30_000
  const self = new URL(import.meta.url).pathname
  const base = await mkdtemp(join(tmpdir(), 'skymesh-bench-market-'))

  const children: ChildProcess[] = []
  const roles: Role[] = []
  const peerIds: string[] = []
  const status: Array<{ peers: number, known: string[], mesh: Record<string, number>, cpuMicros: number }> = []
  const done = new Map<string, OrderRecord>()
  const reports = new Map<number, Extract<FromWorker, { kind: 'report' }>>()
  let failed: Error | undefined

  let cleaning: Promise<void> | undefined
  const cleanup = async (): Promise<void> => {
    cleaning ??= (async () => {
      for (const c of children) if (c !== undefined && c.connected) c.send({ kind: 'stop' } satisfies ToWorker)
      const deadline = Date.now() + 6000
      while (Date.now() < deadline && children.some((c) => c !== undefined && c.exitCode === null && c.signalCode === null)) await sleep(100)
      for (const c of children) if (c !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
      await sleep(100)
      await rm(base, { recursive: true, force: true })
    })()
    await cleaning
  }
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) return
    interrupted = true
    console.error('# interrupted: stopping the nodes')
    void cleanup().finally(() => process.exit(130))
  })
  process.on('SIGTERM', () => { void cleanup().finally(() => process.exit(143)) })
  const hardTimer = setTimeout(() => {
    console.error(`# the benchmark did not finish in ${Math.round(hardLimitMs / 1000)} s: stopping`)
    void cleanup().finally(() => process.exit(1))
  }, hardLimitMs)
  hardTimer.unref()

  const spawnWorker = async (i: number, role: Role, bootstrap: string, extra: { pricing?: Record<string, unknown>, attributes?: Record<string, string> } = {}): Promise<{ addr: string }> => {
    const dir = join(base, `${i}-${role}`)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await writeFile(join(dir, CONFIG_FILE_NAME), `# written by bench:market\n${stringify({ network, node: { logLevel: 'warn' }, provider: { workloads: 'off' } })}`)
    if (extra.pricing !== undefined) await writeFile(join(dir, 'pricing.yaml'), stringify(extra.pricing))
    const child = fork(self, ['--worker'], {
      env: { ...process.env, BENCH_WORKER: '1', BENCH_INDEX: String(i), BENCH_ROLE: role, BENCH_DIR: dir, BENCH_BOOTSTRAP: bootstrap, BENCH_ATTRIBUTES: extra.attributes !== undefined ? JSON.stringify(extra.attributes) : '' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    children[i] = child
    roles[i] = role
    status[i] = { peers: 0, known: [], mesh: {}, cpuMicros: 0 }
    return await new Promise((resolve, reject) => {
      let ready = false
      child.once('exit', (code, signal) => {
        const err = new Error(`worker ${i} (${role}) exited with ${code ?? signal}`)
        if (!ready) reject(err)
        else if (cleaning === undefined) failed ??= err
      })
      child.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') {
          ready = true
          peerIds[i] = m.peerId
          resolve({ addr: m.addr })
        } else if (m.kind === 'status') status[i] = { peers: m.peers, known: m.known, mesh: m.mesh, cpuMicros: m.cpuMicros }
        else if (m.kind === 'order') done.set(m.rec.orderId, m.rec)
        else if (m.kind === 'report') reports.set(i, m)
      })
    })
  }

  try {
    const started = Date.now()
    const relay = await spawnWorker(0, 'relay', '')
    const tenantIdx = Array.from({ length: TENANTS }, (_, k) => 1 + k)
    const providerIdx = Array.from({ length: P }, (_, k) => 1 + TENANTS + k)
    await Promise.all([
      ...tenantIdx.map(async (i) => await spawnWorker(i, 'tenant', relay.addr)),
      ...providerIdx.map(async (i, k) => await spawnWorker(i, 'provider', relay.addr, { pricing: providerPricing(k, P), attributes: { region: REGIONS[k % REGIONS.length] as string } }))
    ])
    const providerIds = providerIdx.map((i) => peerIds[i] as string)
    // ready: the tenants know every provider, every node has a mesh on each market topic
    const readyBy = Date.now() + 60_000
    const ready = (): boolean => tenantIdx.every((i) => providerIds.every((p) => status[i]?.known.includes(p) === true)) &&
      status.every((s) => TOPICS.every((t) => (s.mesh[t] ?? 0) > 0))
    while (!ready()) {
      if (failed !== undefined) throw failed
      if (Date.now() > readyBy) {
        throw new Error(`the mesh did not get ready in 60 s: tenants know ${tenantIdx.map((i) => status[i]?.known.filter((p) => providerIds.includes(p)).length).join(',')} of ${P} providers; orders mesh ${status.map((s) => s.mesh.orders ?? 0).join(',')}`)
      }
      await sleep(250)
    }
    console.error(`# ${N} nodes up and meshed in ${Date.now() - started} ms; orders mesh ${status.map((s) => s.mesh.orders).join(',')}; peers ${status.map((s) => s.peers).join(',')}`)
    // Start-up work (DHT refreshes, identify, autonat, first announces) is not the market and
    // keeps this host's cores busy for a while: wait for the steady state, that is at least
    // --warmup, then until the mesh's CPU use over the last 5 s is under half the cores
    // (at most --warmup-max).
    const warmStart = Date.now()
    const history: Array<{ t: number, cpu: number }> = []
    let meshCores = NaN
    while (true) {
      if (failed !== undefined) throw failed
      const t = Date.now()
      history.push({ t, cpu: status.reduce((a, s) => a + s.cpuMicros, 0) })
      const old = history.find((h) => h.t >= t - 5000)
      if (old !== undefined && t - old.t >= 4000) meshCores = ((history[history.length - 1] as { cpu: number }).cpu - old.cpu) / 1000 / (t - old.t)
      const waited = t - warmStart
      if (waited >= warmupMs && meshCores < quietCores) break
      if (waited >= warmupMaxMs) { console.error(`# the mesh was still busy after ${warmupMaxMs / 1000} s of warm-up (${meshCores.toFixed(2)} cores): measuring anyway`); break }
      await sleep(500)
    }
    warmedMs = Date.now() - warmStart
    console.error(`# warm-up ${warmedMs} ms; the idle mesh used ${meshCores.toFixed(2)} of ${cores} cores`)

    for (const c of children) if (c.connected) c.send({ kind: 'start' } satisfies ToWorker)
    const windowStart = Date.now()
    const hostStart = hostCpu()
    await sleep(100)
    const t0 = performance.now()
    for (let n = 0; n < orders; n++) {
      // paced against the start, so a slow tick does not slow the whole run
      const wait = t0 + (n * 1000) / rate - performance.now()
      if (wait > 0) await sleep(wait)
      if (failed !== undefined) throw failed
      const c = children[tenantIdx[n % TENANTS] as number]
      if (c !== undefined && c.connected) c.send({ kind: 'deploy', n } satisfies ToWorker)
    }
    const deployedAt = Date.now()
    // settle: every order reached its outcome and, if leased, its lease is active (or time is up)
    const settleBy = deployedAt + commitMs + revealMs + 15_000
    while (done.size < orders && Date.now() < settleBy) {
      if (failed !== undefined) throw failed
      await sleep(100)
    }
    // let the last awards, accepts and closes reach every node, then ask every node
    await sleep(1500)
    const collect = async (): Promise<Map<number, Extract<FromWorker, { kind: 'report' }>>> => {
      reports.clear()
      for (const c of children) if (c.connected) c.send({ kind: 'collect' } satisfies ToWorker)
      const collectBy = Date.now() + 10_000
      while (reports.size < N && Date.now() < collectBy) await sleep(50)
      if (reports.size < N) console.error(`# only ${reports.size} of ${N} nodes reported`)
      return new Map(reports)
    }
    const first = await collect()
    const windowMs = Date.now() - windowStart
    const hostBusy = hostCpu(hostStart)

    // ---- figures ----
    const records = [...done.values()]
    for (const r of first.values()) for (const o of r.open) if (!done.has(o.orderId)) records.push(o)
    records.sort((a, b) => a.n - b.n)
    const placed = records.filter((r) => !r.orderId.startsWith('failed-'))
    const failedDeploys = records.filter((r) => r.orderId.startsWith('failed-'))
    const award = placed.filter((r) => r.awardAt !== undefined && r.outcome !== 'void' && r.outcome !== 'no-lease').map((r) => (r.awardAt as number) - r.revealUntil).sort((a, b) => a - b)
    const active = placed.filter((r) => r.activeAt !== undefined).map((r) => (r.activeAt as number) - r.revealUntil).sort((a, b) => a - b)
    const leasedCount = placed.filter((r) => r.activeAt !== undefined || r.outcome === 'leased').length
    const activeRecs = placed.filter((r) => r.activeAt !== undefined)
    const firstCreated = Math.min(...placed.map((r) => r.createdAt))
    const lastActive = Math.max(...activeRecs.map((r) => r.activeAt as number))
    const spanS = (lastActive - firstCreated) / 1000
    // mesh-wide: the last node to see each order's outcome
    const everywhere: number[] = []
    for (const r of placed) {
      if (r.awardAt === undefined) continue
      const seen = [...first.values()].map((rep) => rep.awardSeen.find(([id]) => id === r.orderId)?.[1])
      if (seen.length === N && seen.every((t) => t !== undefined)) everywhere.push(Math.max(...(seen as number[])) - r.revealUntil)
    }
    everywhere.sort((a, b) => a - b)
    // agreement: leaseId + provider + price of every leased order, identical on every node
    const leasedIds = placed.filter((r) => r.outcome === 'leased').map((r) => r.orderId)
    const agreement = (reps: Map<number, Extract<FromWorker, { kind: 'report' }>>): { identical: number, sameState: number, disagreements: string[] } => {
      const byNode = [...reps.values()].map((rep) => new Map(rep.leases.map((l) => [l.orderId, l])))
      let identical = 0
      let sameState = 0
      const disagreements: string[] = []
      for (const id of leasedIds) {
        const rows = byNode.map((m) => m.get(id))
        const ref = rows[0]
        if (reps.size === N && ref !== undefined && rows.every((l) => l !== undefined && l.leaseId === ref.leaseId && l.provider === ref.provider && l.price === ref.price)) {
          identical++
          if (rows.every((l) => l?.state === ref.state)) sameState++
        } else {
          disagreements.push(`${id.slice(0, 12)}: ${rows.map((l) => l === undefined ? 'none' : `${l.provider.slice(-6)}@${l.price}`).join(' | ')}`)
        }
      }
      return { identical, sameState, disagreements }
    }
    const agreed = agreement(first)
    const { identical, sameState, disagreements } = agreed
    // a node that has not seen a lease yet may only be late: look again once, 8 s later
    let later: ReturnType<typeof agreement> | undefined
    if (identical < leasedIds.length) {
      await sleep(8000)
      later = agreement(await collect())
    }
    const winners = new Map<string, number>()
    for (const r of activeRecs) winners.set(r.provider ?? '?', (winners.get(r.provider ?? '?') ?? 0) + 1)
    const cpuByRole = (role: Role): number[] => [...first.entries()].filter(([i]) => roles[i] === role).map(([, r]) => r.cpuMicros / 1000)
    const avg = (xs: number[]): number => xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length
    const cpuAll = [...first.values()].map((r) => r.cpuMicros / 1000)
    const perOrder = (ms: number): number => placed.length > 0 ? ms / placed.length : NaN
    // beyond the idle mesh: minus what the mesh used per node before the first order
    const idlePerNodeMs = Number.isFinite(meshCores) ? (meshCores / N) * windowMs : NaN

    const f = (x: number): string => Number.isFinite(x) ? x.toFixed(1) : 'n/a'
    if (process.env.BENCH_TRACE !== undefined && process.env.BENCH_TRACE !== '') {
      await writeFile(process.env.BENCH_TRACE, records.map((r) => `${r.createdAt - firstCreated} ${r.awardAt !== undefined ? r.awardAt - r.revealUntil : NaN} ${r.activeAt !== undefined ? r.activeAt - r.revealUntil : NaN} ${r.provider?.slice(-6) ?? r.outcome ?? 'pending'}${r.error !== undefined ? ` ${r.error}` : ''}`).join('\n') + '\n')
    }
    if (process.env.BENCH_DEBUG === '1') for (const [i, r] of first) console.error(`# node ${i} ${roles[i] as string}: ${JSON.stringify(r.gossip)}`)
    if (disagreements.length > 0) console.error(`# leases not seen identically (provider@price per node, nodes 0-${N - 1}):\n#   ${disagreements.slice(0, 5).join('\n#   ')}${later !== undefined ? `\n# 8 s later: ${later.disagreements.length} still differ${later.disagreements.length > 0 ? `:\n#   ${later.disagreements.slice(0, 5).join('\n#   ')}` : ''}` : ''}`)
    console.error(`# host: ${f(100 * hostBusy)} % of ${cores} cores busy during the measured window (every process on the host; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`)
    const unsettled = placed.filter((r) => r.activeAt === undefined)
    if (unsettled.length > 0) console.error(`# ${unsettled.length} orders without an active lease: ${unsettled.slice(0, 5).map((r) => `#${r.n} ${r.outcome ?? 'pending'}${r.awardAt !== undefined ? ' (award seen)' : ''}${r.state !== undefined ? ` [${r.state}]` : ''}${r.error !== undefined ? ` ${r.error}` : ''}`).join('; ')}`)

    const pct = (a: number, b: number): string => b > 0 ? (100 * a / b).toFixed(1) : 'n/a'
    const label = (id: string): string => { const i = peerIds.indexOf(id); return i < 0 ? id.slice(-6) : `p${providerIdx.indexOf(i) + 1}` }
    console.log(`market_nodes: ${N} processes (1 relay, ${TENANTS} tenants, ${P} providers; windows commit ${commitMs} ms, reveal ${revealMs} ms; warm-up ${f(warmedMs / 1000)} s)`)
    console.log(`market_orders: ${placed.length} orders at ${rate}/s for ${f(deployMs / 1000)} s${failedDeploys.length > 0 ? ` (${failedDeploys.length} deploys failed)` : ''}; leases won by ${[...winners].sort((a, b) => b[1] - a[1]).map(([p, k]) => `${label(p)} ${k}`).join(', ')}`)
    console.log(`market_award_latency_p50: ${f(quantile(award, 0.5))} ms (beyond revealUntil; target p99 < 200)`)
    console.log(`market_award_latency_p95: ${f(quantile(award, 0.95))} ms (beyond revealUntil; target p99 < 200)`)
    console.log(`market_award_latency_p99: ${f(quantile(award, 0.99))} ms (beyond revealUntil; target p99 < 200)`)
    console.log(`market_award_everywhere_p99: ${f(quantile(everywhere, 0.99))} ms (beyond revealUntil, until the last node saw the outcome; p50 ${f(quantile(everywhere, 0.5))})`)
    console.log(`market_active_latency_p50: ${f(quantile(active, 0.5))} ms (beyond revealUntil, LeaseAccept seen by the tenant)`)
    console.log(`market_active_latency_p99: ${f(quantile(active, 0.99))} ms (beyond revealUntil, LeaseAccept seen by the tenant)`)
    console.log(`market_orders_settled_per_s: ${f(spanS > 0 ? activeRecs.length / spanS : NaN)} orders/s (across the mesh; ${activeRecs.length} leases active in ${f(spanS)} s from the first order; offered ${rate}/s)`)
    console.log(`market_leased: ${pct(leasedCount, placed.length)} % (target 100; ${leasedCount} of ${placed.length} orders, ${activeRecs.length} active)`)
    console.log(`market_agreement: ${pct(identical, leasedIds.length)} % of leases seen identically by every node (${identical} of ${leasedIds.length} leaseId+provider+price on ${first.size} nodes, 1.5 s after the last settled; state identical on ${sameState}${later !== undefined ? `; 8 s later ${pct(later.identical, leasedIds.length)} %` : ''})`)
    console.log(`market_cpu_per_order: ${f(perOrder(avg(cpuAll)))} ms per node per order (whole process; tenant ${f(perOrder(avg(cpuByRole('tenant'))))}, provider ${f(perOrder(avg(cpuByRole('provider'))))}, relay ${f(perOrder(avg(cpuByRole('relay'))))}; ${f(perOrder(avg(cpuAll) - idlePerNodeMs))} beyond the idle mesh's ${f(meshCores)} cores)`)
  } catch (err) {
    console.error(`bench:market failed: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  } finally {
    clearTimeout(hardTimer)
    await cleanup()
  }
  process.exit(process.exitCode ?? 0)
}

if (process.env.BENCH_WORKER === '1') await worker()
else {
  await coordinator().catch((err: unknown) => {
    console.error(`bench:market: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(2)
  })
}
