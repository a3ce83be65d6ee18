import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Store, StoreError, type StoredMessage } from '../../../src/node/store.js'
import { tempDir } from '../../helpers/io.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })

async function openTemp (): Promise<{ store: Store, path: string }> {
  const d = await tempDir()
  cleanups.push(d.cleanup)
  const path = join(d.path, 'node', 'skymesh.db')
  const store = Store.open(path)
  cleanups.push(() => store.close())
  return { store, path }
}

const msg = (n: number, orderId: string | null = 'o1'): StoredMessage => ({ id: `m${n}`, orderId, type: 'BidCommit', bytes: new Uint8Array([n, 1, 2]), receivedAt: 1000 + n })

describe('store (real SQLite file)', () => {
  it('stores messages once, returns them by order and by arrival', async () => {
    const { store, path } = await openTemp()
    expect(store.putMessage(msg(2))).toBe(true)
    expect(store.putMessage(msg(1))).toBe(true)
    expect(store.putMessage(msg(1))).toBe(false)
    store.putMessage(msg(3, 'o2'))
    expect(store.messages('o1').map((m) => m.id)).toEqual(['m1', 'm2'])
    expect(store.messages().length).toBe(3)
    expect(store.recentOrderIds(1003)).toEqual(['o2'])
    store.close()
    const again = Store.open(path)
    cleanups.push(() => again.close())
    expect(Array.from(again.messages('o1')[0]!.bytes)).toEqual([1, 1, 2])
  })

  it('bids, deployments and kv round-trip; bigint prices stay exact', async () => {
    const { store } = await openTemp()
    store.putBid({ orderId: 'o1', commitId: 'c1', price: { denom: 'uact', amount: 18_446_744_073_709_551_615n }, createdAt: 5 })
    expect(store.bids()[0]!.price.amount).toBe(18_446_744_073_709_551_615n)
    store.deleteBid('o1')
    expect(store.bids()).toEqual([])
    store.putDeployment({ dseq: 7, sdl: 'version: "2.0"', manifest: '[]', manifestHash: 'ab', orderIds: ['o1', 'o2'], createdAt: 9 }, [msg(1)])
    expect(store.deploymentOf('o2')?.dseq).toBe(7)
    store.set('announce.seq', '42')
    expect(store.get('announce.seq')).toBe('42')
  })

  it('a failed deployment write leaves nothing behind', async () => {
    const { store } = await openTemp()
    store.putDeployment({ dseq: 1, sdl: 's', manifest: 'm', manifestHash: 'h', orderIds: ['a'], createdAt: 1 }, [msg(1)])
    // same dseq again: the whole transaction, messages included, rolls back
    expect(() => store.putDeployment({ dseq: 1, sdl: 's', manifest: 'm', manifestHash: 'h', orderIds: ['b'], createdAt: 2 }, [msg(9)])).toThrow(StoreError)
    expect(store.hasMessage('m9')).toBe(false)
    expect(store.deployments().length).toBe(1)
  })

  it('refuses a database from a newer schema', async () => {
    const { store, path } = await openTemp()
    store.close()
    const raw = new Database(path)
    raw.pragma('user_version = 99')
    raw.close()
    expect(() => Store.open(path)).toThrow(expect.objectContaining({ code: 'STORE_VERSION' }))
  })

  it('a process killed while writing leaves a consistent database', async () => {
    const { store, path } = await openTemp()
    store.close()
    const script = `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(path)}); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL');
      const put = db.prepare('INSERT INTO deployments (dseq, sdl, manifest, manifest_hash, order_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)');
      const msg = db.prepare('INSERT INTO messages (id, order_id, type, bytes, received_at) VALUES (?, ?, ?, ?, ?)');
      const both = db.transaction((i) => { put.run(i, 's', 'm', 'h', '[]', i); msg.run('m' + i, 'o' + i, 'Order', Buffer.alloc(2000), i) });
      let i = 0; process.stdout.write('go\\n'); for (;;) both(i++);
    `
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
    await new Promise((resolve) => setTimeout(resolve, 300))
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    const after = Store.open(path)
    cleanups.push(() => after.close())
    expect(after.integrityCheck()).toBe('ok')
    const n = after.deployments().length
    expect(n).toBeGreaterThan(0)
    // every deployment row has its message: transactions were whole or absent
    expect(after.countMessages()).toBe(n)
  }, 20_000)
})
