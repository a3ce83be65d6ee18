import Database from 'better-sqlite3'
import { statSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  SqliteAnchorLog, anchorLink, encodeHeader, headerHash, nextHeader, decodeHeader, type BatchHeader, type LedgerErrorCode
} from '../../../src/ledger/index.js'
import { ManualClock } from '../../../src/util/clock.js'
import { anchorConformance, rootOf } from '../../helpers/anchor-conformance.js'
import { tempDir, tempDirsPerTest } from '../../helpers/io.js'

const REPO = new URL('../../../', import.meta.url).pathname
const APPENDER = join(REPO, 'dist/test/helpers/anchor-appender.js')

/** The race runs compiled code in child processes: refuse to run it against a stale build. */
function compiledAppender (): string {
  let built: number
  try { built = statSync(APPENDER).mtimeMs } catch { throw new Error(`${APPENDER} is missing: build first (npx tsc -p tsconfig.json)`) }
  const sources = [join(REPO, 'test/helpers/anchor-appender.ts'), ...readdirSync(join(REPO, 'src/ledger')).map((f) => join(REPO, 'src/ledger', f))]
  const stale = sources.filter((s) => statSync(s).mtimeMs > built)
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale.join(', ')}: build first (npx tsc -p tsconfig.json)`)
  return APPENDER
}

anchorConformance('SqliteAnchorLog', async () => {
  const dir = await tempDir('skymesh-anchor-')
  const path = join(dir.path, 'anchors.db')
  return {
    open: async () => SqliteAnchorLog.open({ path }),
    appender: ({ id, count }) => ({ command: process.execPath, args: [compiledAppender(), '--sqlite', path, '--id', id, '--count', String(count)] }),
    cleanup: dir.cleanup
  }
})

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })
const body = (label: string): Omit<BatchHeader, 'seq' | 'prevRoot'> => ({ root: rootOf(label), recordCount: 2, aktBurned: 10n, actMinted: 20n, anchorer: 'node-a', time: 1000 })

describe('SqliteAnchorLog: what only the SQLite log promises', () => {
  const dir = tempDirsPerTest(afterEach)
  const logs: SqliteAnchorLog[] = []
  afterEach(async () => { while (logs.length > 0) await logs.pop()?.close() })

  async function logWith (labels: string[], clock = new ManualClock()): Promise<{ log: SqliteAnchorLog, path: string }> {
    const path = join(await dir(), 'anchors.db')
    const log = SqliteAnchorLog.open({ path }, { clock })
    logs.push(log)
    for (const l of labels) await log.append(nextHeader(await log.head(), body(l)))
    return { log, path }
  }

  /** Open the file behind the log's back, with the append-only triggers removed. */
  function tamper (path: string, fn: (db: Database.Database) => void): void {
    const db = new Database(path)
    db.exec('DROP TRIGGER anchor_log_no_update; DROP TRIGGER anchor_log_no_delete;')
    fn(db)
    db.close()
  }

  it('is append-only for anyone using SQL too', async () => {
    const { path } = await logWith(['a', 'b'])
    const db = new Database(path)
    expect(() => db.prepare('UPDATE anchor_log SET anchored_at = 0 WHERE seq = 1').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM anchor_log WHERE seq = 2').run()).toThrow(/append-only/)
    // a raw insert that skips a seq or names the wrong parent is refused by the trigger
    const h = nextHeader({ seq: 3, root: rootOf('b') }, body('d'))
    const row = [4, Buffer.from(h.root), Buffer.from(h.prevRoot), Buffer.from(encodeHeader(h)), Buffer.from(headerHash(h)), Buffer.alloc(32), 1]
    expect(() => db.prepare('INSERT INTO anchor_log VALUES (?, ?, ?, ?, ?, ?, ?)').run(...row)).toThrow(/not on the head/)
    db.close()
  })

  it('refuses a row whose header was changed', async () => {
    const { log, path } = await logWith(['a', 'b', 'c'])
    tamper(path, (db) => {
      const bytes = (db.prepare('SELECT header FROM anchor_log WHERE seq = 2').get() as { header: Buffer }).header
      const forged = encodeHeader({ ...decodeHeader(bytes), aktBurned: 999_999n })
      db.prepare('UPDATE anchor_log SET header = ? WHERE seq = 2').run(Buffer.from(forged))
    })
    await expect(log.getBySeq(2)).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(log.getByRoot(rootOf('b'))).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(log.list()).rejects.toThrow(code('ANCHOR_CORRUPT'))
    expect(() => log.verifyChain()).toThrow(code('ANCHOR_CORRUPT'))
    // rows that do not touch it still read
    expect((await log.getBySeq(1))?.header.seq).toBe(1)
  })

  it('refuses a middle row rewritten consistently (header, hash and link): its successor no longer links', async () => {
    const { log, path } = await logWith(['a', 'b', 'c'])
    tamper(path, (db) => {
      const r = db.prepare('SELECT header, anchored_at FROM anchor_log WHERE seq = 2').get() as { header: Buffer, anchored_at: number }
      const prev = db.prepare('SELECT link FROM anchor_log WHERE seq = 1').get() as { link: Buffer }
      const forged = { ...decodeHeader(r.header), actMinted: 5_000_000n }
      const hash = headerHash(forged)
      db.prepare('UPDATE anchor_log SET header = ?, hash = ?, link = ? WHERE seq = 2')
        .run(Buffer.from(encodeHeader(forged)), Buffer.from(hash), Buffer.from(anchorLink(prev.link, hash, r.anchored_at)))
    })
    await expect(log.getBySeq(2)).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(log.getBySeq(3)).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(log.head()).rejects.toThrow(code('ANCHOR_CORRUPT'))
  })

  it('refuses a removed row, a changed anchoring time, and will not append on a tampered head', async () => {
    const one = await logWith(['a', 'b', 'c'])
    tamper(one.path, (db) => { db.prepare('DELETE FROM anchor_log WHERE seq = 2').run() })
    await expect(one.log.getBySeq(2)).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(one.log.getBySeq(3)).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(one.log.list()).rejects.toThrow(code('ANCHOR_CORRUPT'))

    const two = await logWith(['a', 'b'])
    tamper(two.path, (db) => { db.prepare('UPDATE anchor_log SET anchored_at = anchored_at + 1 WHERE seq = 2').run() })
    await expect(two.log.head()).rejects.toThrow(code('ANCHOR_CORRUPT'))
    await expect(two.log.append(nextHeader({ seq: 2, root: rootOf('b') }, body('c')))).rejects.toThrow(code('ANCHOR_CORRUPT'))
  })

  it('never lets the anchoring time go back, even when an appender clock does', async () => {
    const clock = new ManualClock(5000)
    const { log } = await logWith([], clock)
    const a = await log.append(nextHeader(await log.head(), body('a')))
    clock.set(1000)
    const b = await log.append(nextHeader(await log.head(), body('b')))
    expect(a.anchoredAt).toBe(5000)
    expect(b.anchoredAt).toBe(5000)
    clock.set(7000)
    expect((await log.append(nextHeader(await log.head(), body('c')))).anchoredAt).toBe(7000)
    expect(log.verifyChain()).toBe(3)
  })

  it('refuses a log written by a newer format, and a file that is no database', async () => {
    const { log, path } = await logWith(['a'])
    await log.close()
    const db = new Database(path)
    db.prepare("UPDATE anchor_meta SET value = '2' WHERE key = 'format'").run()
    db.close()
    expect(() => SqliteAnchorLog.open({ path })).toThrow(code('ANCHOR_VERSION'))
    const junk = join(await dir(), 'junk.db')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(junk, 'this is not an SQLite file, only text long enough to have a header'.repeat(10))
    expect(() => SqliteAnchorLog.open({ path: junk })).toThrow(code('ANCHOR_OPEN'))
  })

  it('reports a lock held past busy_timeout as ANCHOR_BUSY (retryable), and honours an aborted signal', async () => {
    const { path } = await logWith(['a'])
    const blocked = SqliteAnchorLog.open({ path, busyTimeoutMs: 50 })
    logs.push(blocked)
    const holder = new Database(path)
    holder.exec('BEGIN IMMEDIATE')
    try {
      await expect(blocked.append(nextHeader(await blocked.head(), body('b')))).rejects.toThrow(code('ANCHOR_BUSY'))
      // readers are not blocked by a writer in WAL mode
      expect((await blocked.head()).seq).toBe(1)
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
    const ac = new AbortController()
    ac.abort()
    await expect(blocked.head({ signal: ac.signal })).rejects.toThrow(/abort/i)
  })
})
