/**
 * bench:gossip: N skymesh node processes on loopback (default 10), real signed `Order` messages
 * published at a fixed rate (default 50/s) from rotating publishers; every node reports when it
 * received each message (same machine clock), so time-to-all-nodes is measured directly.
 * Each message is an order for the first group of config/deploy.example.yaml, signed by the
 * publishing node's key (dseq = the message number, gseq 1, deadlines from the node's network
 * windows). Every node's market service validates it and stores it in its SQLite before gossip
 * delivers it: that cost is part of the figure, as it is for any order. The envelope size is
 * what an order of that SDL weighs (printed in `gossip_messages`).
 * Prints `name: value unit (target ...)` lines.
 * Target (issue 5): 10 processes on this 2-core machine, p99 under 150 ms at 50 messages/s.
 *
 *   node dist/scripts/bench-gossip.js [--nodes 10] [--rate 50] [--seconds 20] [--warmup 10]
 *
 * BENCH_TRACE=FILE: one line per message (publish time, time to all nodes).
 * BENCH_PROF=DIR: the second worker writes a CPU profile of the measured window to DIR.
 */
import '../src/util/polyfill.js'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bundledConfigDir } from '../src/config/index.js'
import { buildOrderBody } from '../src/market/index.js'
import { SkymeshNode } from '../src/node/runtime.js'
import { parseSdl } from '../src/sdl/index.js'
import { toHex } from '../src/util/bytes.js'
import { silentLogger } from '../src/util/logger.js'
import { signMessage } from '../src/wire/index.js'

type ToWorker =
  | { kind: 'publish', n: number }
  | { kind: 'cpu' }
  | { kind: 'stop' }
type FromWorker =
  | { kind: 'ready', peerId: string, addr: string }
  | { kind: 'mesh', peers: number, mesh: number }
  | { kind: 'published', id: string, at: number, bytes: number }
  | { kind: 'received', batch: Array<[string, number]> }
  | { kind: 'cpu', micros: number }

const now = (): number => performance.timeOrigin + performance.now()

// BENCH_PROF=DIR: the second worker writes a CPU profile of the measured window to DIR.
let profiling: import('node:inspector').Session | undefined
async function profile (): Promise<void> {
  if (process.env.BENCH_INDEX !== '1') return
  const inspector = await import('node:inspector')
  const { writeFile } = await import('node:fs/promises')
  if (profiling === undefined) {
    profiling = new inspector.Session()
    profiling.connect()
    profiling.post('Profiler.enable')
    profiling.post('Profiler.start')
    return
  }
  profiling.post('Profiler.stop', (err, res) => {
    if (err === null) void writeFile(join(process.env.BENCH_PROF as string, 'worker.cpuprofile'), JSON.stringify(res.profile))
  })
}

async function worker (): Promise<void> {
  const send = (m: FromWorker): void => { process.send?.(m) }
  const bootstrap = process.env.BENCH_BOOTSTRAP ?? ''
  // the order every message carries: the example deployment's first group
  const sdl = parseSdl(await readFile(join(bundledConfigDir(), 'deploy.example.yaml'), 'utf8'))
  const group = sdl.groups[0]
  if (group === undefined) throw new Error('config/deploy.example.yaml has no placement group')
  const dir = await mkdtemp(join(tmpdir(), 'skymesh-bench-'))
  const node = await SkymeshNode.init({
    dataDir: dir,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    ...(bootstrap !== '' ? { bootstrap: [bootstrap] } : {}),
    roles: ['tenant'],
    ...(process.env.BENCH_GOSSIP !== undefined && process.env.BENCH_GOSSIP !== '' ? { gossip: JSON.parse(process.env.BENCH_GOSSIP) as Record<string, number> } : {})
  }, { logger: silentLogger })
  let pending: Array<[string, number]> = []
  node.gossip.onMessage('Order', (msg, ctx) => {
    if (!ctx.local) pending.push([toHex(msg.id), now()])
  })
  // Receipts are stamped on arrival and sent in batches, so reporting does not skew timing.
  const flush = setInterval(() => {
    if (pending.length > 0) { send({ kind: 'received', batch: pending }); pending = [] }
  }, 100)
  const meshTimer = setInterval(() => {
    const v = node.gossipView()
    send({ kind: 'mesh', peers: node.libp2p.getPeers().length, mesh: v.peers.orders?.mesh ?? 0 })
  }, 250)
  const net = node.config.network
  let cpuStart = process.cpuUsage()
  process.on('message', (m: ToWorker) => {
    if (m.kind === 'publish') {
      // one order per message: order id = (this node's key, dseq = n, gseq 1), deadlines ahead
      const body = buildOrderBody({
        net: net.id,
        now: Date.now(),
        dseq: m.n,
        gseq: 1,
        sealSeedHash: new Uint8Array(32),
        group,
        manifestHash: sdl.manifestHash,
        windows: { commitWindowMs: net.commitWindowMs, revealWindowMs: net.revealWindowMs }
      })
      const msg = signMessage(node.key, 'Order', body)
      const at = now()
      void node.gossip.publish(msg).catch((err: unknown) => { console.error(`# publish of order ${m.n} failed: ${String(err)}`) })
      send({ kind: 'published', id: toHex(msg.id), at, bytes: msg.bytes.length })
    } else if (m.kind === 'cpu') {
      // the measured window starts: mesh reports are only for the warm-up, stop their IPC
      clearInterval(meshTimer)
      if (process.env.BENCH_PROF !== undefined && process.env.BENCH_PROF !== '') void profile()
      const u = process.cpuUsage(cpuStart)
      send({ kind: 'cpu', micros: u.user + u.system })
      cpuStart = process.cpuUsage()
    } else {
      if (process.env.BENCH_DEBUG === '1') {
        const v = node.gossipView()
        const ps = node.libp2p.services.pubsub
        console.error(JSON.stringify({ peer: node.key.accountId.slice(-6), orders: v.topics.orders, codes: v.codes, scores: node.libp2p.getPeers().map((p) => Math.round(ps.getScore(p.toString()) * 10) / 10) }))
      }
      clearInterval(flush)
      clearInterval(meshTimer)
      if (pending.length > 0) send({ kind: 'received', batch: pending })
      void node.close().finally(async () => {
        await rm(dir, { recursive: true, force: true })
        process.exit(0)
      })
    }
  })
  const tcp = node.multiaddrs().find((a) => a.includes('/tcp/') && !a.includes('/ws')) as string
  send({ kind: 'ready', peerId: node.key.accountId, addr: tcp })
}

function quantile (sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

async function coordinator (): Promise<void> {
  const { values } = parseArgs({
    options: { nodes: { type: 'string', default: '10' }, rate: { type: 'string', default: '50' }, seconds: { type: 'string', default: '20' }, warmup: { type: 'string', default: '10' } }
  })
  const N = Number(values.nodes)
  const rate = Number(values.rate)
  const seconds = Number(values.seconds)
  const warmupMs = Number(values.warmup) * 1000
  const self = new URL(import.meta.url).pathname
  const children: ChildProcess[] = []
  const mesh: Array<{ peers: number, mesh: number }> = []
  const published = new Map<string, number>()
  const sizes: number[] = []
  const received = new Map<string, number[]>()
  const cpu: number[] = []
  let cpuReplies = 0

  const spawnWorker = async (i: number, bootstrap: string): Promise<{ addr: string }> => {
    const child = fork(self, ['--worker'], { env: { ...process.env, BENCH_WORKER: '1', BENCH_INDEX: String(i), BENCH_BOOTSTRAP: bootstrap }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    children[i] = child
    mesh[i] = { peers: 0, mesh: 0 }
    return await new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`worker ${i} exited with ${code}`)))
      child.on('message', (m: FromWorker) => {
        if (m.kind === 'ready') resolve({ addr: `${m.addr}` })
        else if (m.kind === 'mesh') mesh[i] = { peers: m.peers, mesh: m.mesh }
        else if (m.kind === 'published') { published.set(m.id, m.at); sizes.push(m.bytes) }
        else if (m.kind === 'received') for (const [id, t] of m.batch) { const l = received.get(id) ?? []; l.push(t); received.set(id, l) }
        else if (m.kind === 'cpu') { cpu[i] = m.micros; cpuReplies++ }
      })
    })
  }

  const stopAll = (): void => { for (const c of children) if (c !== undefined && c.connected) c.send({ kind: 'stop' } satisfies ToWorker) }
  process.on('SIGINT', () => { stopAll(); setTimeout(() => process.exit(130), 2000).unref() })

  const started = Date.now()
  const first = await spawnWorker(0, '')
  await Promise.all(Array.from({ length: N - 1 }, async (_, k) => await spawnWorker(k + 1, first.addr)))
  // Wait until every node has a gossip mesh on the topic (or 30 s).
  const wantMesh = Math.min(4, N - 1)
  const meshDeadline = Date.now() + 30_000
  while (Date.now() < meshDeadline && mesh.some((m) => m.mesh < wantMesh)) await new Promise((resolve) => setTimeout(resolve, 250))
  console.error(`# ${N} nodes up in ${Date.now() - started} ms; mesh sizes ${mesh.map((m) => m.mesh).join(',')}; peers ${mesh.map((m) => m.peers).join(',')}`)
  // Start-up work (DHT walks, identify, autonat) is not gossip: measure the steady state.
  await new Promise((resolve) => setTimeout(resolve, warmupMs))

  for (const c of children) if (c.connected) c.send({ kind: 'cpu' } satisfies ToWorker)
  await new Promise((resolve) => setTimeout(resolve, 200))
  cpuReplies = 0
  const total = rate * seconds
  const t0 = now()
  for (let n = 0; n < total; n++) {
    // paced against the start time, so a slow tick does not slow the whole run
    const due = t0 + (n * 1000) / rate
    const wait = due - now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const c = children[n % N]
    if (c !== undefined && c.connected) c.send({ kind: 'publish', n } satisfies ToWorker)
  }
  await new Promise((resolve) => setTimeout(resolve, 3000))
  for (const c of children) if (c.connected) c.send({ kind: 'cpu' } satisfies ToWorker)
  const cpuDeadline = Date.now() + 5000
  while (cpuReplies < N && Date.now() < cpuDeadline) await new Promise((resolve) => setTimeout(resolve, 50))
  await new Promise((resolve) => setTimeout(resolve, 300))
  stopAll()

  const times: number[] = []
  let receipts = 0
  for (const [id, at] of published) {
    const r = received.get(id) ?? []
    receipts += Math.min(r.length, N - 1)
    if (r.length >= N - 1) times.push(Math.max(...r) - at)
  }
  if (process.env.BENCH_TRACE !== undefined) {
    // one line per message: publish time (ms since the first), time to all nodes, slowest receiver
    const { writeFileSync } = await import('node:fs')
    const t0p = Math.min(...published.values())
    writeFileSync(process.env.BENCH_TRACE, [...published].map(([id, at]) => `${(at - t0p).toFixed(0)} ${((Math.max(...(received.get(id) ?? [NaN]))) - at).toFixed(1)}`).join('\n') + '\n')
  }
  times.sort((a, b) => a - b)
  const expected = published.size * (N - 1)
  const cpuMs = cpu.reduce((a, b) => a + b, 0) / 1000
  const f = (x: number): string => Number.isNaN(x) ? 'n/a' : x.toFixed(1)
  console.log(`gossip_nodes: ${N} processes (mesh degree after warm-up: ${mesh.map((m) => m.mesh).join(',')})`)
  const sizeText = sizes.length === 0 ? 'n/a' : Math.min(...sizes) === Math.max(...sizes) ? `${sizes[0] as number} B` : `${Math.min(...sizes)}-${Math.max(...sizes)} B`
  console.log(`gossip_messages: ${published.size} Order envelopes of ${sizeText} at ${rate}/s for ${seconds} s`)
  console.log(`gossip_p50: ${f(quantile(times, 0.5))} ms (baseline 18-30, STACK.md)`)
  console.log(`gossip_p95: ${f(quantile(times, 0.95))} ms`)
  console.log(`gossip_p99: ${f(quantile(times, 0.99))} ms (target < 150)`)
  console.log(`gossip_max: ${f(times[times.length - 1] ?? NaN)} ms`)
  console.log(`gossip_cpu_per_msg: ${f(published.size > 0 ? cpuMs / published.size / N : NaN)} ms per node per message (baseline 1.6 StrictNoSign, STACK.md; whole process, DHT and timers included)`)
  console.log(`gossip_delivered: ${f(expected > 0 ? (100 * receipts) / expected : NaN)} % (target 100; ${receipts} of ${expected} receipts)`)
  await Promise.all(children.map(async (c) => { if (c.exitCode === null) await new Promise((resolve) => { c.once('exit', resolve); setTimeout(resolve, 5000).unref() }) }))
  process.exit(0)
}

if (process.env.BENCH_WORKER === '1') await worker()
else await coordinator()
