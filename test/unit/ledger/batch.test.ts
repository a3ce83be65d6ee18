import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Batch, MerkleTree, verifyInclusion, type BatchRecord, type LedgerErrorCode } from '../../../src/ledger/index.js'
import { compareBytes, toHex } from '../../../src/util/bytes.js'

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })

const records = fc.uniqueArray(
  fc.record({ id: fc.uint8Array({ minLength: 1, maxLength: 8 }), bytes: fc.uint8Array({ maxLength: 30 }) }),
  { minLength: 1, maxLength: 80, selector: (r) => toHex(r.id) }
)

describe('batches', () => {
  it('sorts records by id, so the root depends on the set and not the order', () => {
    fc.assert(fc.property(records, fc.nat(), (rs, seed) => {
      const shuffled = rs.map((r, i) => ({ r, k: (i * 7919 + seed) % 104729 })).sort((a, b) => a.k - b.k).map((x) => x.r)
      const a = Batch.build(rs)
      const b = Batch.build(shuffled)
      expect(toHex(a.root)).toBe(toHex(b.root))
      const sorted = rs.slice().sort((x, y) => compareBytes(x.id, y.id))
      expect(toHex(a.root)).toBe(toHex(MerkleTree.fromData(sorted.map((r) => r.bytes)).root))
    }), { numRuns: 100 })
  })

  it('finds each record and proves it at the batch size', () => {
    fc.assert(fc.property(records, (rs) => {
      const batch = Batch.build(rs)
      for (const r of rs) {
        const p = batch.proof(r.id)
        expect(batch.records[batch.indexOf(r.id)]).toBe(r)
        expect(p.size).toBe(rs.length)
        expect(verifyInclusion(r.bytes, p.index, p.size, p.path, batch.root)).toBe(true)
      }
    }), { numRuns: 60 })
  })

  it('refuses an empty batch, a repeated id and a proof of a record it does not hold', () => {
    const r: BatchRecord = { id: new Uint8Array([1]), bytes: new Uint8Array([9]) }
    expect(() => Batch.build([])).toThrow(code('BATCH_EMPTY'))
    expect(() => Batch.build([r, { id: new Uint8Array([1]), bytes: new Uint8Array([8]) }])).toThrow(code('BATCH_DUPLICATE_ID'))
    const batch = Batch.build([r])
    expect(batch.indexOf(new Uint8Array([2]))).toBe(-1)
    expect(() => batch.proof(new Uint8Array([2]))).toThrow(code('MERKLE_BAD_INDEX'))
  })
})
