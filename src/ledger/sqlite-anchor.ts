/**
 * The embedded anchor backend: an append-only, hash-linked log of batch headers in one SQLite
 * file that several node processes on one machine share (DESIGN.md section 7).
 *
 * Concurrency: every append is one BEGIN IMMEDIATE transaction, which takes SQLite's single
 * write lock before reading anything; inside it the head is read, the header judged
 * (checkAppend) and the row inserted. Two processes can therefore never both append on the same
 * head: the second one waits for the lock (busy_timeout), then sees the new head and gets
 * ANCHOR_NOT_HEAD. `seq` is the primary key, roots and header hashes are UNIQUE, and a trigger
 * refuses any insert that is not seq = max + 1 on the root before it, so even a writer that
 * bypassed this class could not fork or gap the log. Nothing is cached between calls: the
 * head is read from the file every time (WAL readers never wait for the writer).
 *
 * Tamper evidence: each row stores its header bytes, the header hash and a link
 *   link(n) = sha256("skymesh/1/anchor-link" || 0x00 || link(n-1) || hash(n) || u64be(anchoredAt(n)))
 * with link(0) = 32 zero bytes. A read checks a row against its bytes, its predecessor and its
 * successor, so a changed, removed or rewritten row is refused (ANCHOR_CORRUPT) when read;
 * only the newest row can be rewritten consistently, as with any hash chain that nobody else
 * has seen. UPDATE and DELETE are refused by triggers.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { sha256 } from '../identity/hash.js'
import { equalBytes, utf8 } from '../util/bytes.js'
import { systemClock, type Clock } from '../util/clock.js'
import {
  checkAppend, checkRootQuery, checkSeqQuery, genesisHead, listRange,
  type AnchorBackend, type AnchorHead, type AnchoredBatch, type CallOptions, type ListOptions
} from './anchor.js'
import { LedgerError, isLedgerError } from './errors.js'
import { ZERO_ROOT, decodeHeader, encodeHeader, headerHashOfBytes, type BatchHeader } from './header.js'

export interface SqliteAnchorOptions {
  /** the log file; created with its directory if missing */
  path: string
  /**
   * How long an append waits for another process's write lock, ms. An append holds the lock
   * for well under a millisecond, so waits are short; better-sqlite3 waits synchronously, so a
   * long timeout would stall the event loop of the waiting node.
   */
  busyTimeoutMs?: number
}

export const defaultSqliteAnchorOptions = { busyTimeoutMs: 2000 }

export interface SqliteAnchorModules {
  clock: Clock
}

const FORMAT = 1
const LINK_DOMAIN = utf8('skymesh/1/anchor-link\u0000')

const SCHEMA = `
CREATE TABLE IF NOT EXISTS anchor_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS anchor_log (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  root BLOB NOT NULL UNIQUE CHECK (length(root) = 32),
  prev_root BLOB NOT NULL CHECK (length(prev_root) = 32),
  header BLOB NOT NULL,
  hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  link BLOB NOT NULL CHECK (length(link) = 32),
  anchored_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS anchor_log_linear BEFORE INSERT ON anchor_log
WHEN NEW.seq != COALESCE((SELECT MAX(seq) FROM anchor_log), 0) + 1
  OR NEW.prev_root != COALESCE((SELECT root FROM anchor_log WHERE seq = NEW.seq - 1), zeroblob(32))
BEGIN SELECT RAISE(ABORT, 'anchor_log: not on the head'); END;
CREATE TRIGGER IF NOT EXISTS anchor_log_no_update BEFORE UPDATE ON anchor_log
BEGIN SELECT RAISE(ABORT, 'anchor_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS anchor_log_no_delete BEFORE DELETE ON anchor_log
BEGIN SELECT RAISE(ABORT, 'anchor_log is append-only'); END;
`

interface Row {
  seq: number
  root: Uint8Array
  prev_root: Uint8Array
  header: Uint8Array
  hash: Uint8Array
  link: Uint8Array
  anchored_at: number
}

const COLUMNS = 'seq, root, prev_root, header, hash, link, anchored_at'

function u64be (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

export function anchorLink (prevLink: Uint8Array, hash: Uint8Array, anchoredAt: number): Uint8Array {
  return sha256(LINK_DOMAIN, prevLink, hash, u64be(anchoredAt))
}

/** better-sqlite3 binds Buffers, not plain Uint8Arrays, as blobs. */
function blob (b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

function isBusy (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
}

export class SqliteAnchorLog implements AnchorBackend {
  readonly kind = 'sqlite'
  private closed = false
  private readonly stmts: {
    head: Database.Statement<[], Row>
    range: Database.Statement<[number, number], Row>
    seqOfRoot: Database.Statement<[Buffer], { seq: number }>
    insert: Database.Statement<[number, Buffer, Buffer, Buffer, Buffer, Buffer, number]>
  }

  private constructor (private readonly db: Database.Database, readonly path: string, private readonly clock: Clock) {
    this.stmts = {
      head: db.prepare(`SELECT ${COLUMNS} FROM anchor_log ORDER BY seq DESC LIMIT 1`),
      range: db.prepare(`SELECT ${COLUMNS} FROM anchor_log WHERE seq BETWEEN ? AND ? ORDER BY seq`),
      seqOfRoot: db.prepare('SELECT seq FROM anchor_log WHERE root = ?'),
      insert: db.prepare(`INSERT INTO anchor_log (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    }
  }

  static open (opts: SqliteAnchorOptions, modules: SqliteAnchorModules = { clock: systemClock }): SqliteAnchorLog {
    const busyTimeoutMs = opts.busyTimeoutMs ?? defaultSqliteAnchorOptions.busyTimeoutMs
    let db: Database.Database
    try {
      if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 })
      db = new Database(opts.path)
      // busy_timeout first: switching to WAL and creating the schema can meet another opener's lock
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
      db.pragma('journal_mode = WAL')
      // The log plays a chain's part: an append it acknowledged must survive a power cut too.
      db.pragma('synchronous = FULL')
    } catch (err) {
      throw new LedgerError('ANCHOR_OPEN', `cannot open the anchor log ${opts.path}: ${(err as Error).message}`, { details: { path: opts.path }, cause: err })
    }
    try {
      db.transaction(() => {
        db.exec(SCHEMA)
        const row = db.prepare('SELECT value FROM anchor_meta WHERE key = ?').get('format') as { value: string } | undefined
        if (row === undefined) db.prepare('INSERT INTO anchor_meta (key, value) VALUES (?, ?)').run('format', String(FORMAT))
        else if (Number(row.value) !== FORMAT) {
          throw new LedgerError('ANCHOR_VERSION', `${opts.path} is an anchor log of format ${row.value}; this skymesh reads format ${FORMAT}`, { details: { path: opts.path, format: row.value } })
        }
      }).immediate()
    } catch (err) {
      db.close()
      if (isLedgerError(err)) throw err
      throw new LedgerError('ANCHOR_OPEN', `cannot prepare the anchor log ${opts.path}: ${(err as Error).message}`, { details: { path: opts.path }, cause: err })
    }
    return new SqliteAnchorLog(db, opts.path, modules.clock)
  }

  async head (opts: CallOptions = {}): Promise<AnchorHead> {
    this.ready(opts)
    const top = this.io(() => this.stmts.head.get())
    if (top === undefined) return genesisHead()
    const batch = this.verifiedRange(top.seq, top.seq)[0] as AnchoredBatch
    return { seq: batch.header.seq, root: new Uint8Array(batch.header.root), batch }
  }

  async append (header: BatchHeader, opts: CallOptions = {}): Promise<AnchoredBatch> {
    this.ready(opts)
    // validates the header; the bytes stored are the bytes hashed
    const bytes = encodeHeader(header)
    const h = decodeHeader(bytes)
    const hash = headerHashOfBytes(bytes)
    const run = this.db.transaction((): AnchoredBatch => {
      const top = this.stmts.head.get()
      // never build on a row that does not check out
      const headBatch = top === undefined ? undefined : this.verifiedRange(top.seq, top.seq)[0]
      const head = { seq: top?.seq ?? 0, root: top?.root ?? ZERO_ROOT }
      const atSeq = h.seq <= head.seq ? this.stmts.range.get(h.seq, h.seq) : undefined
      const parent = h.seq === 1 ? ZERO_ROOT : (h.seq - 1 <= head.seq ? this.stmts.range.get(h.seq - 1, h.seq - 1)?.root : undefined)
      checkAppend(h, hash, { head, atSeq, parentRoot: parent, rootAnchored: this.stmts.seqOfRoot.get(blob(h.root)) !== undefined })
      // anchoredAt never goes back, even if this process's clock is behind the previous appender's
      const anchoredAt = Math.max(Math.floor(this.clock.now()), headBatch?.anchoredAt ?? 0)
      const link = anchorLink(top?.link ?? ZERO_ROOT, hash, anchoredAt)
      this.stmts.insert.run(h.seq, blob(h.root), blob(h.prevRoot), blob(bytes), blob(hash), blob(link), anchoredAt)
      return { header: h, hash, anchoredAt, ref: `sqlite:${h.seq}` }
    })
    return this.io(() => run.immediate())
  }

  async getBySeq (seq: number, opts: CallOptions = {}): Promise<AnchoredBatch | undefined> {
    this.ready(opts)
    checkSeqQuery(seq)
    if (seq < 1) return undefined
    return this.verifiedRange(seq, seq)[0]
  }

  async getByRoot (root: Uint8Array, opts: CallOptions = {}): Promise<AnchoredBatch | undefined> {
    this.ready(opts)
    checkRootQuery(root)
    const row = this.io(() => this.stmts.seqOfRoot.get(blob(root)))
    if (row === undefined) return undefined
    const batch = this.verifiedRange(row.seq, row.seq)[0]
    // [CORRUPT] the root column says one thing, the hashed header another
    if (batch === undefined || !equalBytes(batch.header.root, root)) throw this.corrupt(row.seq, 'its root column does not match its header')
    return batch
  }

  async list (opts: ListOptions = {}): Promise<AnchoredBatch[]> {
    this.ready(opts)
    const { fromSeq, limit } = listRange(opts)
    return this.verifiedRange(fromSeq, fromSeq + limit - 1)
  }

  /** Walk the whole log from seq 1, checking every row and link; returns the number of rows. */
  verifyChain (): number {
    this.ready({})
    let prev: Row | undefined
    let n = 0
    for (const row of this.db.prepare(`SELECT ${COLUMNS} FROM anchor_log ORDER BY seq`).iterate() as IterableIterator<Row>) {
      this.checkRow(row, prev)
      prev = row
      n++
    }
    return n
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.db.close()
  }

  /**
   * Rows from..to (fewer at the end of the log), each checked against its bytes and against
   * the rows either side of it: a row that was changed, rewritten or removed is refused.
   */
  private verifiedRange (from: number, to: number): AnchoredBatch[] {
    if (to < from) return []
    const rows = this.io(() => this.stmts.range.all(Math.max(from - 1, 1), to + 1))
    let i = 0
    let prev: Row | undefined
    if (from > 1) {
      if (rows[0]?.seq === from - 1) prev = rows[i++]
      else if (rows.length > 0) throw this.corrupt(from - 1, 'the batch is missing')
    }
    const out: AnchoredBatch[] = []
    for (let expected = from; expected <= to && i < rows.length; expected++, i++) {
      const row = rows[i] as Row
      if (row.seq !== expected) throw this.corrupt(expected, 'the batch is missing')
      const batch = this.checkRow(row, prev)
      const next = rows[i + 1]
      // [CORRUPT] the next row was linked to another version of this one
      if (next !== undefined && (next.seq !== row.seq + 1 || !equalBytes(next.link, anchorLink(row.link, next.hash, next.anchored_at)) || !equalBytes(next.prev_root, row.root))) {
        throw this.corrupt(row.seq, `batch ${row.seq + 1} does not link to it`)
      }
      out.push(batch)
      prev = row
    }
    return out
  }

  private checkRow (row: Row, prev: Row | undefined): AnchoredBatch {
    let header: BatchHeader
    try {
      header = decodeHeader(row.header)
    } catch (err) {
      throw this.corrupt(row.seq, 'its header bytes do not decode', err)
    }
    if (!equalBytes(headerHashOfBytes(row.header), row.hash)) throw this.corrupt(row.seq, 'its hash is not the hash of its header')
    if (header.seq !== row.seq || !equalBytes(header.root, row.root) || !equalBytes(header.prevRoot, row.prev_root)) throw this.corrupt(row.seq, 'its columns do not match its header')
    if (row.seq > 1 && (prev === undefined || prev.seq !== row.seq - 1)) throw this.corrupt(row.seq, `batch ${row.seq - 1} is missing`)
    const prevRoot = prev?.root ?? ZERO_ROOT
    const prevLink = prev?.link ?? ZERO_ROOT
    if (!equalBytes(header.prevRoot, prevRoot)) throw this.corrupt(row.seq, `it does not build on batch ${row.seq - 1}`)
    if (!Number.isSafeInteger(row.anchored_at) || row.anchored_at < (prev?.anchored_at ?? 0)) throw this.corrupt(row.seq, 'its anchoring time goes back')
    if (!equalBytes(row.link, anchorLink(prevLink, row.hash, row.anchored_at))) throw this.corrupt(row.seq, 'its link does not chain to the batch before')
    return { header, hash: new Uint8Array(row.hash), anchoredAt: row.anchored_at, ref: `sqlite:${row.seq}` }
  }

  private corrupt (seq: number, why: string, cause?: unknown): LedgerError {
    return new LedgerError('ANCHOR_CORRUPT', `anchor log ${this.path}: batch ${seq} was tampered with or damaged: ${why}`, { details: { path: this.path, seq }, cause })
  }

  private ready (opts: CallOptions): void {
    if (this.closed) throw new LedgerError('ANCHOR_CLOSED', `the anchor log ${this.path} is closed`)
    opts.signal?.throwIfAborted()
  }

  /** SQLite failures as typed errors: a lock held too long is retryable, the rest is I/O. */
  private io<T> (fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (isLedgerError(err)) throw err
      if (isBusy(err)) throw new LedgerError('ANCHOR_BUSY', `the anchor log ${this.path} stayed locked by another process`, { details: { path: this.path }, cause: err })
      throw new LedgerError('ANCHOR_IO', `anchor log ${this.path}: ${(err as Error).message}`, { details: { path: this.path, code: String((err as { code?: unknown }).code) }, cause: err })
    }
  }
}
