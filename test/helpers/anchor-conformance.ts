/**
 * The conformance suite every anchor backend runs (STYLE.md: "one shared test suite runs
 * against each"). A backend's test file calls anchorConformance with a factory of fixtures;
 * each test gets fresh storage and tears everything down, child processes included, whatever
 * happens.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sha256 } from '../../src/identity/hash.js'
import {
  ZERO_ROOT, headerHash, nextHeader, type AnchorBackend, type AnchorHead, type AnchoredBatch, type BatchHeader, type LedgerErrorCode
} from '../../src/ledger/index.js'
import { toHex, utf8 } from '../../src/util/bytes.js'

export interface AnchorFixture {
  /** A new handle on this fixture's storage (the same storage every time it is called). */
  open: () => Promise<AnchorBackend>
  /**
   * The command line of a child process that appends onto the same storage
   * (test/helpers/anchor-appender.ts); without it the multi-process race is skipped.
   */
  appender?: (a: { id: string, count: number }) => { command: string, args: string[] }
  /** Remove the storage. */
  cleanup: () => Promise<void>
}

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })

/** A distinct root per label. */
export function rootOf (label: string): Uint8Array {
  return sha256(utf8(`conformance/${label}`))
}

function body (label: string, time = 1_700_000_000_000): Omit<BatchHeader, 'seq' | 'prevRoot'> {
  return { root: rootOf(label), recordCount: 3, aktBurned: 401_000n, actMinted: 1_000_000n, anchorer: '12D3KooWConformance', time }
}

async function appendChain (b: AnchorBackend, labels: string[]): Promise<AnchoredBatch[]> {
  const out: AnchoredBatch[] = []
  for (const l of labels) out.push(await b.append(nextHeader(await b.head(), body(l))))
  return out
}

function sameBatch (a: AnchoredBatch | undefined, b: AnchoredBatch): void {
  expect(a).toBeDefined()
  expect(toHex(a?.hash ?? new Uint8Array(0))).toBe(toHex(b.hash))
  expect(a?.header).toEqual(b.header)
  expect(a?.anchoredAt).toBe(b.anchoredAt)
}

interface Child { proc: ChildProcess, lines: Array<Record<string, unknown>>, exited: Promise<number | null> }

export function anchorConformance (name: string, makeBackend: () => Promise<AnchorFixture>): void {
  describe(`anchor backend conformance: ${name}`, () => {
    let fx: AnchorFixture | undefined
    let handles: AnchorBackend[] = []
    let children: Child[] = []

    const fixture = (): AnchorFixture => {
      if (fx === undefined) throw new Error('no fixture: makeBackend failed')
      return fx
    }

    const open = async (): Promise<AnchorBackend> => {
      const b = await fixture().open()
      handles.push(b)
      return b
    }

    beforeEach(async () => {
      fx = await makeBackend()
    })

    afterEach(async () => {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL')
      await Promise.all(children.map(async (c) => await c.exited))
      children = []
      for (const h of handles) await h.close().catch(() => {})
      handles = []
      await fx?.cleanup()
      fx = undefined
    })

    it('starts at the genesis: seq 0, 32 zero bytes, nothing to read', async () => {
      const b = await open()
      const head = await b.head()
      expect(head.seq).toBe(0)
      expect(toHex(head.root)).toBe(toHex(ZERO_ROOT))
      expect(head.batch).toBeUndefined()
      expect(await b.getBySeq(0)).toBeUndefined()
      expect(await b.getBySeq(1)).toBeUndefined()
      expect(await b.getByRoot(rootOf('x'))).toBeUndefined()
      expect(await b.list()).toEqual([])
    })

    it('appends a linear chain and moves the head with it', async () => {
      const b = await open()
      let prev: AnchorHead = await b.head()
      for (let i = 1; i <= 5; i++) {
        const h = nextHeader(prev, body(`c${i}`))
        const done = await b.append(h)
        expect(done.header).toEqual(h)
        expect(toHex(done.hash)).toBe(toHex(headerHash(h)))
        expect(Number.isSafeInteger(done.anchoredAt)).toBe(true)
        expect(done.ref.length).toBeGreaterThan(0)
        const head = await b.head()
        expect(head.seq).toBe(i)
        expect(toHex(head.root)).toBe(toHex(h.root))
        sameBatch(head.batch, done)
        if (prev.batch !== undefined) expect(done.anchoredAt).toBeGreaterThanOrEqual(prev.batch.anchoredAt)
        prev = head
      }
    })

    it('refuses a wrong prevRoot on the next seq as a fork, and changes nothing', async () => {
      const b = await open()
      await appendChain(b, ['a', 'b'])
      const head = await b.head()
      await expect(b.append(nextHeader({ seq: head.seq, root: rootOf('elsewhere') }, body('c')))).rejects.toThrow(code('ANCHOR_FORK'))
      await expect(b.append(nextHeader({ seq: head.seq, root: rootOf('a') }, body('c')))).rejects.toThrow(code('ANCHOR_FORK'))
      expect((await b.head()).seq).toBe(2)
      expect(await b.getByRoot(rootOf('c'))).toBeUndefined()
    })

    it('refuses a wrong seq: beyond the head is NOT_HEAD, 0 is a bad header', async () => {
      const b = await open()
      await appendChain(b, ['a'])
      const head = await b.head()
      await expect(b.append({ ...nextHeader(head, body('b')), seq: 3 })).rejects.toThrow(code('ANCHOR_NOT_HEAD'))
      await expect(b.append({ ...nextHeader(head, body('b')), seq: 0 })).rejects.toThrow(code('ANCHOR_BAD_HEADER'))
      await expect(b.append({ ...nextHeader(head, body('b')), aktBurned: -1n })).rejects.toThrow(code('ANCHOR_BAD_HEADER'))
      expect((await b.head()).seq).toBe(1)
    })

    it('refuses a duplicate: the same header again, or the same root at a new seq', async () => {
      const b = await open()
      const [first] = await appendChain(b, ['a', 'b'])
      await expect(b.append((first as AnchoredBatch).header)).rejects.toThrow(code('ANCHOR_DUPLICATE'))
      await expect(b.append(nextHeader(await b.head(), body('a')))).rejects.toThrow(code('ANCHOR_DUPLICATE'))
      expect((await b.head()).seq).toBe(2)
    })

    it('refuses a fork attempt below the head, and a stale build as NOT_HEAD, without touching history', async () => {
      const b = await open()
      const chain = await appendChain(b, ['a', 'b', 'c'])
      // seq 2 on root 3: contradicts anchored history
      await expect(b.append(nextHeader({ seq: 1, root: rootOf('c') }, body('x')))).rejects.toThrow(code('ANCHOR_FORK'))
      // seq 2 on root 1, another batch: what an appender that read the head at seq 1 would send
      await expect(b.append(nextHeader({ seq: 1, root: rootOf('a') }, body('y')))).rejects.toThrow(code('ANCHOR_NOT_HEAD'))
      for (const c of chain) sameBatch(await b.getBySeq(c.header.seq), c)
      expect((await b.head()).seq).toBe(3)
    })

    it('reads every batch by seq and by root', async () => {
      const b = await open()
      const chain = await appendChain(b, ['a', 'b', 'c', 'd'])
      for (const c of chain) {
        sameBatch(await b.getBySeq(c.header.seq), c)
        sameBatch(await b.getByRoot(c.header.root), c)
      }
      expect(await b.getBySeq(5)).toBeUndefined()
      expect(await b.getBySeq(-1)).toBeUndefined()
      expect(await b.getByRoot(ZERO_ROOT)).toBeUndefined()
      await expect(b.getBySeq(1.5)).rejects.toThrow(code('ANCHOR_BAD_QUERY'))
      await expect(b.getByRoot(new Uint8Array(5))).rejects.toThrow(code('ANCHOR_BAD_QUERY'))
    })

    it('lists in pages, in seq order, without gaps', async () => {
      const b = await open()
      const chain = await appendChain(b, ['1', '2', '3', '4', '5', '6', '7'])
      const seqs = async (fromSeq: number, limit?: number): Promise<number[]> => (await b.list({ fromSeq, limit })).map((x) => x.header.seq)
      expect(await seqs(1, 3)).toEqual([1, 2, 3])
      expect(await seqs(4, 3)).toEqual([4, 5, 6])
      expect(await seqs(7, 3)).toEqual([7])
      expect(await seqs(8, 3)).toEqual([])
      expect(await seqs(0)).toEqual([1, 2, 3, 4, 5, 6, 7])
      const all = await b.list()
      all.forEach((x, i) => { sameBatch(x, chain[i] as AnchoredBatch) })
      for (let i = 1; i < all.length; i++) expect(toHex((all[i] as AnchoredBatch).header.prevRoot)).toBe(toHex((all[i - 1] as AnchoredBatch).header.root))
      await expect(b.list({ limit: 0 })).rejects.toThrow(code('ANCHOR_BAD_QUERY'))
    })

    it('keeps everything across close and reopen, and appends on from there', async () => {
      const a = await open()
      const chain = await appendChain(a, ['a', 'b', 'c'])
      await a.close()
      await expect(a.head()).rejects.toThrow(code('ANCHOR_CLOSED'))
      const b = await open()
      const head = await b.head()
      expect(head.seq).toBe(3)
      sameBatch(head.batch, chain[2] as AnchoredBatch)
      for (const c of chain) sameBatch(await b.getByRoot(c.header.root), c)
      const d = await b.append(nextHeader(head, body('d')))
      expect(d.header.seq).toBe(4)
    })

    it('two handles on one head: exactly one wins, the other gets NOT_HEAD and wins on the new head', async () => {
      const a = await open()
      const b = await open()
      await appendChain(a, ['base'])
      const seen = await b.head()
      expect(seen.seq).toBe(1)
      const ha = nextHeader(await a.head(), body('from-a'))
      const hb = nextHeader(seen, body('from-b'))
      await a.append(ha)
      // b's view of the head is stale; the backend must not trust any cached head
      expect((await b.head()).seq).toBe(2)
      await expect(b.append(hb)).rejects.toThrow(code('ANCHOR_NOT_HEAD'))
      const retried = await b.append(nextHeader(await b.head(), body('from-b')))
      expect(retried.header.seq).toBe(3)
      expect(toHex((await a.head()).root)).toBe(toHex(rootOf('from-b')))
    })

    it('appenders racing in separate processes leave one linear history, no gaps, no repeats', async (ctx) => {
      const appender = fixture().appender
      if (appender === undefined) { ctx.skip(); return }
      const b = await open()
      await appendChain(b, ['genesis-child'])
      const N = 4
      const COUNT = 25
      for (let i = 0; i < N; i++) {
        const { command, args } = appender({ id: `p${i}`, count: COUNT })
        const proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
        const lines: Array<Record<string, unknown>> = []
        let stderr = ''
        proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
        createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => { try { lines.push(JSON.parse(l) as Record<string, unknown>) } catch { lines.push({ text: l }) } })
        const exited = new Promise<number | null>((resolve) => proc.once('exit', (c) => { if (c !== 0) lines.push({ stderr }); resolve(c) }))
        children.push({ proc, lines, exited })
      }
      // all started before any appends
      const deadline = Date.now() + 20_000
      while (!children.every((c) => c.lines.some((l) => l.ready === true))) {
        if (Date.now() > deadline || children.some((c) => c.proc.exitCode !== null)) throw new Error(`children not ready: ${JSON.stringify(children.map((c) => c.lines))}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      for (const c of children) c.proc.stdin?.write('go\n')
      const timer = setTimeout(() => { for (const c of children) c.proc.kill('SIGKILL') }, 25_000)
      const codes = await Promise.all(children.map(async (c) => await c.exited))
      clearTimeout(timer)
      expect(codes, JSON.stringify(children.map((c) => c.lines))).toEqual(children.map(() => 0))

      const summaries = children.map((c) => c.lines.find((l) => l.done === true) as { id: string, seqs: number[], roots: string[], conflicts: number })
      const claimed = new Map<number, string>()
      for (const s of summaries) {
        expect(s.seqs).toHaveLength(COUNT)
        s.seqs.forEach((seq, i) => {
          expect(claimed.has(seq), `seq ${seq} claimed twice`).toBe(false)
          claimed.set(seq, s.roots[i] as string)
        })
      }
      const total = 1 + N * COUNT
      expect([...claimed.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: N * COUNT }, (_, i) => i + 2))
      const head = await b.head()
      expect(head.seq).toBe(total)
      let prevRoot = ZERO_ROOT
      for (let from = 1; from <= total; from += 50) {
        for (const x of await b.list({ fromSeq: from, limit: 50 })) {
          expect(toHex(x.header.prevRoot)).toBe(toHex(prevRoot))
          if (x.header.seq > 1) expect(toHex(x.header.root)).toBe(claimed.get(x.header.seq))
          prevRoot = x.header.root
        }
      }
      // the race was real: some appenders had to rebuild on a head they did not expect
      expect(summaries.reduce((n, s) => n + s.conflicts, 0)).toBeGreaterThan(0)
    }, 60_000)
  })
}
