import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { SkymeshError } from '../util/errors.js'
import type { MessageType, Price } from '../wire/index.js'

export type StoreErrorCode = 'STORE_OPEN' | 'STORE_VERSION' | 'STORE_WRITE'

export class StoreError extends SkymeshError<StoreErrorCode> {
  readonly layer = 'store'
}

export const STORE_FILE_NAME = 'skymesh.db'
const SCHEMA_VERSION = 2

/**
 * Version 2 (1 plus `finalized` and `counters`). Messages are the source of truth (every auction is rebuilt from them on start);
 * the other tables hold what messages cannot: the prices behind this provider's commits, the
 * tenant's deployments (SDL and manifest), and small key/value state.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id TEXT PRIMARY KEY,
  order_id TEXT,
  type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_order ON messages (order_id);
CREATE TABLE IF NOT EXISTS bids (
  order_id TEXT PRIMARY KEY,
  commit_id TEXT NOT NULL,
  denom TEXT NOT NULL,
  amount TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deployments (
  dseq INTEGER PRIMARY KEY,
  sdl TEXT NOT NULL,
  manifest TEXT NOT NULL,
  manifest_hash TEXT NOT NULL,
  order_ids TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS finalized (
  order_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (account, name)
);
`

export interface StoredMessage {
  id: string
  orderId: string | null
  type: MessageType
  bytes: Uint8Array
  receivedAt: number
}

export interface StoredDeployment {
  dseq: number
  sdl: string
  /** the canonical manifest JSON: the exact bytes whose sha256 is manifestHash */
  manifest: string
  manifestHash: string
  orderIds: string[]
  createdAt: number
}

export interface StoredBidRow {
  orderId: string
  commitId: string
  price: Price
  createdAt: number
}

const DEPLOYMENT_COLUMNS = 'SELECT dseq, sdl, manifest, manifest_hash, order_ids, created_at FROM deployments'
interface DeploymentRow { dseq: number, sdl: string, manifest: string, manifest_hash: string, order_ids: string, created_at: number }

function deploymentOfRow (r: DeploymentRow): StoredDeployment {
  return { dseq: r.dseq, sdl: r.sdl, manifest: r.manifest, manifestHash: r.manifest_hash, orderIds: JSON.parse(r.order_ids) as string[], createdAt: r.created_at }
}

/**
 * One SQLite database per node (better-sqlite3, WAL). Writes are single statements or
 * transactions, so a node killed at any moment restarts with every write either whole or
 * absent; WAL with synchronous=NORMAL survives a killed process (not a power cut mid-write,
 * where the last transactions may be lost but the file stays consistent).
 */
export class Store {
  private readonly statements = new Map<string, Database.Statement>()

  private constructor (private readonly db: Database.Database, readonly path: string) {}

  /** Prepared once, reused: preparing costs more than most of these statements' runs. */
  private stmt (sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) { st = this.db.prepare(sql); this.statements.set(sql, st) }
    return st
  }

  static open (path: string): Store {
    let db: Database.Database
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      db = new Database(path)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('busy_timeout = 5000')
    } catch (err) {
      throw new StoreError('STORE_OPEN', `cannot open the database ${path}: ${(err as Error).message}`, { details: { path }, badInput: false, cause: err })
    }
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) {
      db.close()
      throw new StoreError('STORE_VERSION', `${path} was written by a newer skymesh (schema ${version}, this one knows ${SCHEMA_VERSION})`, { details: { path, version } })
    }
    try {
      db.exec(SCHEMA)
      db.pragma(`user_version = ${SCHEMA_VERSION}`)
    } catch (err) {
      db.close()
      throw new StoreError('STORE_OPEN', `cannot prepare the database ${path}: ${(err as Error).message}`, { details: { path }, badInput: false, cause: err })
    }
    return new Store(db, path)
  }

  private write<T> (fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw new StoreError('STORE_WRITE', `database write failed: ${(err as Error).message}`, { details: { path: this.path }, badInput: false, cause: err })
    }
  }

  /** Store a message once (by id); returns true if it was new. */
  putMessage (m: StoredMessage): boolean {
    return this.write(() => this.stmt('INSERT OR IGNORE INTO messages (id, order_id, type, bytes, received_at) VALUES (?, ?, ?, ?, ?)')
      .run(m.id, m.orderId, m.type, Buffer.from(m.bytes), m.receivedAt).changes === 1)
  }

  hasMessage (id: string): boolean {
    return this.stmt('SELECT 1 FROM messages WHERE id = ?').get(id) !== undefined
  }

  /** All messages in arrival order (insertion order within a millisecond), optionally of one order. */
  messages (orderId?: string): StoredMessage[] {
    const rows = (orderId === undefined
      ? this.stmt('SELECT id, order_id, type, bytes, received_at FROM messages ORDER BY received_at, rowid').all()
      : this.stmt('SELECT id, order_id, type, bytes, received_at FROM messages WHERE order_id = ? ORDER BY received_at, rowid').all(orderId)) as Array<{ id: string, order_id: string | null, type: MessageType, bytes: Buffer, received_at: number }>
    return rows.map((r) => ({ id: r.id, orderId: r.order_id, type: r.type, bytes: new Uint8Array(r.bytes), receivedAt: r.received_at }))
  }

  /** Order ids with a message received at or after `since`. */
  recentOrderIds (since: number, limit = 1000): string[] {
    return (this.stmt('SELECT order_id FROM messages WHERE order_id IS NOT NULL GROUP BY order_id HAVING MAX(received_at) >= ? ORDER BY MAX(received_at) DESC LIMIT ?').all(since, limit) as Array<{ order_id: string }>).map((r) => r.order_id)
  }

  countMessages (): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n
  }

  putBid (b: StoredBidRow): void {
    this.write(() => this.stmt('INSERT OR REPLACE INTO bids (order_id, commit_id, denom, amount, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(b.orderId, b.commitId, b.price.denom, b.price.amount.toString(), b.createdAt))
  }

  bids (): StoredBidRow[] {
    return (this.stmt('SELECT order_id, commit_id, denom, amount, created_at FROM bids').all() as Array<{ order_id: string, commit_id: string, denom: string, amount: string, created_at: number }>)
      .map((r) => ({ orderId: r.order_id, commitId: r.commit_id, price: { denom: r.denom, amount: BigInt(r.amount) }, createdAt: r.created_at }))
  }

  deleteBid (orderId: string): void {
    this.write(() => this.stmt('DELETE FROM bids WHERE order_id = ?').run(orderId))
  }

  /** A deployment and its orders' messages, in one transaction: all of it or none. */
  putDeployment (d: StoredDeployment, orders: StoredMessage[]): void {
    this.write(() => this.db.transaction(() => {
      this.stmt('INSERT INTO deployments (dseq, sdl, manifest, manifest_hash, order_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(d.dseq, d.sdl, d.manifest, d.manifestHash, JSON.stringify(d.orderIds), d.createdAt)
      for (const m of orders) this.putMessage(m)
    })())
  }

  deployments (): StoredDeployment[] {
    return (this.stmt(`${DEPLOYMENT_COLUMNS} ORDER BY dseq`).all() as DeploymentRow[]).map(deploymentOfRow)
  }

  /** The highest deployment number stored, 0 when there is none. */
  maxDseq (): number {
    return (this.stmt('SELECT MAX(dseq) AS m FROM deployments').get() as { m: number | null }).m ?? 0
  }

  deploymentOf (orderId: string): StoredDeployment | undefined {
    // order_ids is a JSON list: the quoted id matches one entry exactly (instr is case-sensitive)
    const r = this.stmt(`${DEPLOYMENT_COLUMNS} WHERE instr(order_ids, ?) > 0`).get(JSON.stringify(orderId)) as DeploymentRow | undefined
    return r === undefined ? undefined : deploymentOfRow(r)
  }

  get (k: string): string | undefined {
    return (this.stmt('SELECT v FROM kv WHERE k = ?').get(k) as { v: string } | undefined)?.v
  }

  set (k: string, v: string): void {
    this.write(() => this.stmt('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)').run(k, v))
  }

  /**
   * Forget orders: their messages, this provider's bids and stored manifests, their final
   * marks. Deployments stay (the tenant's history). One transaction.
   */
  deleteOrders (orderIds: readonly string[]): void {
    if (orderIds.length === 0) return
    this.write(() => this.db.transaction(() => {
      for (const id of orderIds) {
        this.stmt('DELETE FROM messages WHERE order_id = ?').run(id)
        this.stmt('DELETE FROM bids WHERE order_id = ?').run(id)
        this.stmt('DELETE FROM finalized WHERE order_id = ?').run(id)
        this.stmt('DELETE FROM kv WHERE k = ?').run(`manifest:${id}`)
      }
    })())
  }

  isFinalized (orderId: string): boolean {
    return this.stmt('SELECT 1 FROM finalized WHERE order_id = ?').get(orderId) !== undefined
  }

  /**
   * Record that an order became final, with the counters it adds (reputation), once: a second
   * call for the same order changes nothing. Returns false when it was already recorded.
   */
  finalize (orderId: string, at: number, counts: ReadonlyArray<{ account: string, name: string, n: number }>): boolean {
    return this.write(() => this.db.transaction(() => {
      if (this.stmt('INSERT OR IGNORE INTO finalized (order_id, at) VALUES (?, ?)').run(orderId, at).changes !== 1) return false
      for (const c of counts) {
        if (c.n === 0) continue
        this.stmt('INSERT INTO counters (account, name, n) VALUES (?, ?, ?) ON CONFLICT (account, name) DO UPDATE SET n = n + excluded.n').run(c.account, c.name, c.n)
      }
      return true
    })())
  }

  /** Counters (reputation), of one account or of all. */
  counters (account?: string): Array<{ account: string, name: string, n: number }> {
    return (account === undefined
      ? this.stmt('SELECT account, name, n FROM counters ORDER BY account, name').all()
      : this.stmt('SELECT account, name, n FROM counters WHERE account = ? ORDER BY name').all(account)) as Array<{ account: string, name: string, n: number }>
  }

  integrityCheck (): string {
    return this.db.pragma('integrity_check', { simple: true }) as string
  }

  close (): void {
    if (this.db.open) this.db.close()
  }
}
