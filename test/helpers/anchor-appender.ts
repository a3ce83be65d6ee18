/**
 * A child process for the anchor conformance suite's race: opens a backend, says it is ready,
 * waits for "go" on stdin, then appends `count` batches as fast as it can, rebuilding on the
 * new head whenever another process won the seq it wanted (ANCHOR_NOT_HEAD). The last line of
 * output is a JSON summary: the seqs and roots it anchored and how many races it lost.
 *
 *   node dist/test/helpers/anchor-appender.js --sqlite FILE --id NAME --count N
 *
 * A new backend adds its own option here (an EVM backend: the RPC URL and contract address).
 */
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { sha256 } from '../../src/identity/hash.js'
import { RETRYABLE_ANCHOR_CODES, SqliteAnchorLog, isLedgerError, nextHeader, type AnchorBackend } from '../../src/ledger/index.js'
import { toHex, utf8 } from '../../src/util/bytes.js'

function arg (name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? undefined : process.argv[i + 1]
}

function openBackend (): AnchorBackend {
  const sqlite = arg('sqlite')
  if (sqlite !== undefined) return SqliteAnchorLog.open({ path: sqlite, busyTimeoutMs: 10_000 })
  throw new Error('no backend given (--sqlite FILE)')
}

const id = arg('id') ?? String(process.pid)
const count = Number(arg('count') ?? '10')
// Never outlive a parent that forgot us.
setTimeout(() => { process.exit(3) }, 60_000).unref()

const backend = openBackend()
const go = new Promise<void>((resolve) => {
  const rl = createInterface({ input: process.stdin })
  rl.on('line', (line) => { if (line.trim() === 'go') resolve() })
  rl.on('close', () => { process.exit(2) })
})
process.stdout.write(JSON.stringify({ ready: true, id }) + '\n')
await go

const seqs: number[] = []
const roots: string[] = []
let conflicts = 0
for (let i = 0; i < count; i++) {
  const root = sha256(utf8(`${id}/${i}`))
  for (;;) {
    const head = await backend.head()
    // widen the gap between reading the head and appending, as building a real batch would
    await sleep(Math.floor(Math.random() * 3))
    try {
      const done = await backend.append(nextHeader(head, { root, recordCount: i + 1, aktBurned: BigInt(i), actMinted: 0n, anchorer: id, time: Date.now() }))
      seqs.push(done.header.seq)
      roots.push(toHex(root))
      break
    } catch (err) {
      if (isLedgerError(err) && RETRYABLE_ANCHOR_CODES.has(err.code)) { conflicts++; continue }
      process.stdout.write(JSON.stringify({ error: isLedgerError(err) ? err.code : String(err), id }) + '\n')
      process.exit(1)
    }
  }
}
await backend.close()
process.stdout.write(JSON.stringify({ done: true, id, seqs, roots, conflicts }) + '\n')
process.exit(0)
