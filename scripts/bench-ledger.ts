/**
 * bench:ledger: building a 10,000-record batch, anchoring it in the SQLite log, and checking
 * proofs; plus the three sha256 paths the Merkle tree could use (the fastest one is kept in
 * src/ledger/merkle.ts). Prints `name: value unit (target ...)` lines.
 * Targets (ledger issue): build 10k leaves and anchor them in under 200 ms; over 50,000
 * proof checks per second (under 20 µs each).
 */
import { createHash, hash as oneShot, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { Batch, MerkleTree, SqliteAnchorLog, nextHeader, verifyInclusion, type BatchRecord } from '../src/ledger/index.js'

const N = 10_000
const RUNS = 9

function median (xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

function timeMs (fn: () => void): number {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

function rate (fn: (i: number) => void, ms = 1500): number {
  for (let i = 0; i < 2000; i++) fn(i)
  let n = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 200; i++) fn(n++)
    now = process.hrtime.bigint()
  }
  return n / (Number(now - start) / 1e9)
}

// Records about the size of a signed lease settlement: a 32-byte id and 300 bytes.
const records: BatchRecord[] = Array.from({ length: N }, () => ({ id: new Uint8Array(randomBytes(32)), bytes: new Uint8Array(randomBytes(300)) }))
const data = records.map((r) => r.bytes)

MerkleTree.fromData(data)
const build = median(Array.from({ length: RUNS }, () => timeMs(() => { MerkleTree.fromData(data) })))

const dir = mkdtempSync(join(tmpdir(), 'skymesh-bench-ledger-'))
let anchor: number
try {
  const log = SqliteAnchorLog.open({ path: join(dir, 'anchors.db') })
  const times: number[] = []
  for (let r = 0; r < RUNS; r++) {
    // a fresh set each run: the log refuses a root it already holds
    const batchRecords = records.map((x) => ({ id: x.id, bytes: new Uint8Array([...x.bytes.subarray(0, 299), r]) }))
    const t = process.hrtime.bigint()
    const batch = Batch.build(batchRecords)
    await log.append(nextHeader(await log.head(), { root: batch.root, recordCount: batch.size, aktBurned: 0n, actMinted: 0n, anchorer: 'bench', time: Date.now() }))
    times.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  anchor = median(times)
  await log.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const tree = MerkleTree.fromData(data)
const proofs = Array.from({ length: 1024 }, (_, i) => tree.proof((i * 7919) % N))
const root = tree.root
const checks = rate((i) => {
  const p = proofs[i & 1023]!
  if (!verifyInclusion(data[p.index]!, p.index, p.size, p.path, root)) throw new Error('a valid proof failed')
})

const l = new Uint8Array(randomBytes(32))
const r = new Uint8Array(randomBytes(32))
const buf = new Uint8Array(65)
buf[0] = 1
const viaOneShot = rate(() => { buf.set(l, 1); buf.set(r, 33); oneShot('sha256', buf, 'buffer') })
const viaCreateHash = rate(() => { buf.set(l, 1); buf.set(r, 33); createHash('sha256').update(buf).digest() })
const viaNoble = rate(() => { buf.set(l, 1); buf.set(r, 33); nobleSha256(buf) })

const ns = (perSec: number): string => (1e9 / perSec).toFixed(0)
console.log(`merkle_build_10k: ${build.toFixed(1)} ms (target < 200 incl. anchoring)`)
console.log(`batch_anchor_10k_sqlite: ${anchor.toFixed(1)} ms (target < 200; sort by id, tree, one synchronous=FULL append)`)
console.log(`proof_checks_per_s: ${Math.round(checks)} /s (target > 50000; leaf hash + ${proofs[0]!.path.length}-step path at 10k leaves)`)
console.log(`proof_check_us: ${(1e6 / checks).toFixed(1)} us (target < 20)`)
console.log(`sha256_node_hash_oneshot: ${ns(viaOneShot)} ns (65-byte inner node; used)`)
console.log(`sha256_node_createHash: ${ns(viaCreateHash)} ns (65-byte inner node)`)
console.log(`sha256_node_noble: ${ns(viaNoble)} ns (65-byte inner node)`)
// Other work on a shared machine slows every figure above; say how busy it was.
console.log(`load_avg_1m: ${(loadavg()[0] ?? 0).toFixed(2)} (cores: ${availableParallelism()}; figures are only comparable at low load)`)
