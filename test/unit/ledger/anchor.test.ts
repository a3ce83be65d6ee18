import { describe, expect, it } from 'vitest'
import { ZERO_ROOT, checkAppend, headerHash, listRange, nextHeader, MAX_LIST_LIMIT, type AppendView, type BatchHeader, type LedgerErrorCode } from '../../../src/ledger/index.js'

const root = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)
const body = (fill: number): Omit<BatchHeader, 'seq' | 'prevRoot'> => ({ root: root(fill), recordCount: 1, aktBurned: 0n, actMinted: 0n, anchorer: 'a', time: 1 })

// An anchored history 1..3 with roots 1, 2, 3 (fill bytes), as a backend would report it.
const anchored = [nextHeader({ seq: 0, root: ZERO_ROOT }, body(1))]
anchored.push(nextHeader({ seq: 1, root: root(1) }, body(2)))
anchored.push(nextHeader({ seq: 2, root: root(2) }, body(3)))

function view (h: BatchHeader): AppendView {
  const at = anchored[h.seq - 1]
  return {
    head: { seq: 3, root: root(3) },
    atSeq: at === undefined ? undefined : { hash: headerHash(at), root: at.root },
    parentRoot: h.seq === 1 ? ZERO_ROOT : anchored[h.seq - 2]?.root,
    rootAnchored: anchored.some((a) => a.root.every((b, i) => b === h.root[i]))
  }
}

function judge (h: BatchHeader): LedgerErrorCode | 'OK' {
  try {
    checkAppend(h, headerHash(h), view(h))
    return 'OK'
  } catch (err) {
    return (err as { code: LedgerErrorCode }).code
  }
}

describe('checkAppend: one judgement for every backend', () => {
  it('accepts exactly the header on the head', () => {
    expect(judge(nextHeader({ seq: 3, root: root(3) }, body(4)))).toBe('OK')
  })

  it('calls a header that lost the race for its seq NOT_HEAD, however stale', () => {
    expect(judge(nextHeader({ seq: 2, root: root(2) }, body(9)))).toBe('ANCHOR_NOT_HEAD')
    expect(judge(nextHeader({ seq: 0, root: ZERO_ROOT }, body(9)))).toBe('ANCHOR_NOT_HEAD')
  })

  it('calls a header beyond the head NOT_HEAD (a view this backend does not have yet)', () => {
    expect(judge(nextHeader({ seq: 4, root: root(4) }, body(9)))).toBe('ANCHOR_NOT_HEAD')
  })

  it('calls a header that contradicts anchored history a FORK', () => {
    expect(judge(nextHeader({ seq: 3, root: root(7) }, body(9)))).toBe('ANCHOR_FORK') // seq 4 on an unknown root
    expect(judge(nextHeader({ seq: 3, root: root(1) }, body(9)))).toBe('ANCHOR_FORK') // seq 4 on an old root
    expect(judge(nextHeader({ seq: 1, root: root(3) }, body(9)))).toBe('ANCHOR_FORK') // seq 2 on root 3
  })

  it('calls the same header, or the same records, a DUPLICATE', () => {
    expect(judge(anchored[1] as BatchHeader)).toBe('ANCHOR_DUPLICATE')
    expect(judge({ ...(anchored[1] as BatchHeader), time: 99 })).toBe('ANCHOR_DUPLICATE')
    expect(judge(nextHeader({ seq: 3, root: root(3) }, body(2)))).toBe('ANCHOR_DUPLICATE')
    expect(judge(nextHeader({ seq: 1, root: root(1) }, body(3)))).toBe('ANCHOR_DUPLICATE')
  })

  it('checks list arguments the same way everywhere', () => {
    expect(listRange()).toEqual({ fromSeq: 1, limit: 100 })
    expect(listRange({ fromSeq: -5, limit: 10 ** 9 })).toEqual({ fromSeq: 1, limit: MAX_LIST_LIMIT })
    expect(() => listRange({ limit: 0 })).toThrow(expect.objectContaining({ code: 'ANCHOR_BAD_QUERY' }))
    expect(() => listRange({ fromSeq: 1.5 })).toThrow(expect.objectContaining({ code: 'ANCHOR_BAD_QUERY' }))
  })
})
