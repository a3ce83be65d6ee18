import { createHash } from 'node:crypto'
import { encode as cborEncode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_AMOUNT, MAX_RECORD_COUNT, ZERO_ROOT, decodeHeader, encodeHeader, headerHash, headerHashOfBytes, nextHeader, validateHeader, type BatchHeader, type LedgerErrorCode
} from '../../../src/ledger/index.js'
import { toHex } from '../../../src/util/bytes.js'

const code = (c: LedgerErrorCode): unknown => expect.objectContaining({ code: c })
const root = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

const GOLDEN: BatchHeader = {
  seq: 7,
  prevRoot: root(0xaa),
  root: root(0xbb),
  recordCount: 1000,
  aktBurned: 401_000n,
  actMinted: 1_000_000n,
  anchorer: '12D3KooWGzh5Yx8mZ4r3wFXtP9s5mYf1QeZk2h4bAnchorer',
  time: 1_700_000_000_000
}
// Written out by hand from RFC 8949 section 4.2.1: map(8), keys length-first then bytewise
// (seq, root, time, anchorer, prevRoot, actMinted, aktBurned, recordCount), minimal integers.
const GOLDEN_HEX = 'a8' +
  '63736571' + '07' +
  '64726f6f74' + '5820' + 'bb'.repeat(32) + // ROOT_ENTRY
  '6474696d65' + '1b0000018bcfe56800' +
  '68616e63686f72657278' + '30' + Buffer.from(GOLDEN.anchorer).toString('hex') +
  '6870726576526f6f74' + '5820' + 'aa'.repeat(32) +
  '696163744d696e746564' + '1a000f4240' +
  '69616b744275726e6564' + '1a00061e68' +
  '6b7265636f7264436f756e74' + '1903e8'

const ROOT_ENTRY = '64726f6f74' + '5820' + 'bb'.repeat(32)

const header: fc.Arbitrary<BatchHeader> = fc.record({
  seq: fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }),
  prevRoot: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  root: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  recordCount: fc.integer({ min: 1, max: MAX_RECORD_COUNT }),
  aktBurned: fc.bigInt({ min: 0n, max: MAX_AMOUNT }),
  actMinted: fc.bigInt({ min: 0n, max: MAX_AMOUNT }),
  anchorer: fc.string({ minLength: 1, maxLength: 60 }),
  time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
}).filter((h) => toHex(h.root) !== toHex(h.prevRoot) && toHex(h.root) !== toHex(ZERO_ROOT))

describe('batch header encoding', () => {
  it('matches the hand-written deterministic CBOR and its domain-separated hash', () => {
    expect(toHex(encodeHeader(GOLDEN))).toBe(GOLDEN_HEX)
    const expected = createHash('sha256').update('skymesh/1/batch-header\u0000').update(Buffer.from(GOLDEN_HEX, 'hex')).digest('hex')
    expect(toHex(headerHash(GOLDEN))).toBe(expected)
    expect(toHex(headerHashOfBytes(encodeHeader(GOLDEN)))).toBe(expected)
  })

  it('round-trips every valid header, money as bigint however small', () => {
    fc.assert(fc.property(header, (h) => {
      const back = decodeHeader(encodeHeader(h))
      expect(back).toEqual({ ...h, prevRoot: new Uint8Array(h.prevRoot), root: new Uint8Array(h.root) })
      expect(typeof back.aktBurned).toBe('bigint')
      expect(typeof back.actMinted).toBe('bigint')
    }), { numRuns: 300 })
  })

  it('changes the hash when any field changes', () => {
    const base = toHex(headerHash(GOLDEN))
    const variants: BatchHeader[] = [
      { ...GOLDEN, seq: 8 }, { ...GOLDEN, prevRoot: root(0xab) }, { ...GOLDEN, root: root(0xbc) }, { ...GOLDEN, recordCount: 1001 },
      { ...GOLDEN, aktBurned: 401_001n }, { ...GOLDEN, actMinted: 999_999n }, { ...GOLDEN, anchorer: GOLDEN.anchorer + 'x' }, { ...GOLDEN, time: GOLDEN.time + 1 }
    ]
    for (const v of variants) expect(toHex(headerHash(v))).not.toBe(base)
  })

  it('refuses every byte string but the canonical one', () => {
    const fields = { ...GOLDEN }
    const bad: Array<[string, Uint8Array]> = [
      ['not CBOR', new Uint8Array([0xff, 0x00])],
      ['an array', cborEncode([1, 2])],
      ['an extra field', cborEncode({ ...fields, extra: 1 })],
      ['a missing field', cborEncode({ ...fields, time: undefined as unknown as number })],
      ['a float amount', cborEncode({ ...fields, aktBurned: 1.5 })],
      ['a float seq', cborEncode({ ...fields, seq: 7.5 })],
      ['a text amount', cborEncode({ ...fields, aktBurned: '401000' })],
      ['a negative amount', cborEncode({ ...fields, actMinted: -1 })],
      ['a short root', cborEncode({ ...fields, root: new Uint8Array(31) })],
      ['trailing bytes', new Uint8Array([...encodeHeader(GOLDEN), 0x00])],
      // seq 7 written as a 2-byte integer: the same value, not minimal
      ['a non-minimal integer', Buffer.from(GOLDEN_HEX.replace('6373657107', '637365711807'), 'hex')],
      // root's entry before seq's: the same map, keys out of order
      ['unsorted keys', Buffer.from(GOLDEN_HEX.replace('6373657107' + ROOT_ENTRY, ROOT_ENTRY + '6373657107'), 'hex')]
    ]
    for (const [what, bytes] of bad) expect(() => decodeHeader(bytes), what).toThrow(code('ANCHOR_BAD_HEADER'))
  })

  it('validates every field', () => {
    const cases: Array<[string, Partial<Record<keyof BatchHeader, unknown>>]> = [
      ['seq 0 (the genesis is no batch)', { seq: 0 }],
      ['negative seq', { seq: -1 }],
      ['fractional seq', { seq: 1.5 }],
      ['seq beyond 2^53', { seq: 2 ** 53 }],
      ['no records', { recordCount: 0 }],
      ['too many records', { recordCount: MAX_RECORD_COUNT + 1 }],
      ['number amount', { aktBurned: 5 }],
      ['negative amount', { aktBurned: -5n }],
      ['overflowing amount', { actMinted: MAX_AMOUNT + 1n }],
      ['empty anchorer', { anchorer: '' }],
      ['long anchorer', { anchorer: 'x'.repeat(129) }],
      ['negative time', { time: -1 }],
      ['31-byte root', { root: new Uint8Array(31) }],
      ['root as hex text', { root: toHex(root(1)) }],
      ['zero root', { root: ZERO_ROOT }],
      ['its own parent', { root: root(0xaa) }],
      ['batch 1 not on the genesis', { seq: 1 }]
    ]
    for (const [what, patch] of cases) expect(() => validateHeader({ ...GOLDEN, ...patch }), what).toThrow(code('ANCHOR_BAD_HEADER'))
    expect(() => validateHeader({ ...GOLDEN, more: 1 })).toThrow(code('ANCHOR_BAD_HEADER'))
    expect(() => validateHeader(null)).toThrow(code('ANCHOR_BAD_HEADER'))
    expect(validateHeader({ ...GOLDEN, seq: 1, prevRoot: ZERO_ROOT }).seq).toBe(1)
  })

  it('builds the next header on a head', () => {
    const body = { root: root(3), recordCount: 2, aktBurned: 0n, actMinted: 0n, anchorer: 'a', time: 5 }
    const first = nextHeader({ seq: 0, root: ZERO_ROOT }, body)
    expect(first.seq).toBe(1)
    expect(first.prevRoot).toEqual(ZERO_ROOT)
    const second = nextHeader({ seq: 1, root: first.root }, { ...body, root: root(4) })
    expect(second.seq).toBe(2)
    expect(second.prevRoot).toEqual(root(3))
  })
})
