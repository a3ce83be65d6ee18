import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { verifyDomain } from '../../../src/identity/sign.js'
import { concatBytes, equalBytes, toHex, utf8 } from '../../../src/util/bytes.js'
import { SkymeshError } from '../../../src/util/errors.js'
import { readEnvelope, writeEnvelope } from '../../../src/wire/envelope.js'
import {
  BODY_SCHEMAS, MESSAGE_TYPES, WIRE_LIMITS, WireError, checkContext, decodeEnvelope, encodeBody, messageId,
  type AnySignedMessage, type MessageType, type WireErrorCode
} from '../../../src/wire/index.js'
import {
  countItems, emitCbor, floatBytes, header, mapNth, minimalWidth, nthItem, parseCbor, type ArgWidth, type CborItem
} from '../../helpers/cbor-ast.js'
import { FUZZ_CASES, Tally, expectsCoverage, fuzzParameters } from '../../helpers/fuzz.js'
import { FastSigner, arbitraryOfSchema, schemaEnvelope, type ValidEnvelope } from '../../helpers/wire-arbitraries.js'

/**
 * Fuzzing of the wire layer's one entry point for untrusted bytes, decodeEnvelope, and of
 * checkContext. Every message type is covered through MESSAGE_TYPES and bodies built from
 * BODY_SCHEMAS, so new types and changed schemas are fuzzed without editing this file. For any
 * input, decodeEnvelope either
 *   - returns a message whose signature verifies and that re-encodes to exactly the input, or
 *   - throws a WireError with a decode code and an action, in well under a second;
 * and a mutation of a valid envelope that was not re-signed is only ever accepted when the bytes
 * are those of a valid envelope we made (so: no malleability, no forgery). Each family runs
 * FUZZ_CASES cases (10,000), split evenly across the message types where it is per type.
 */

/** Every WireError code, and where it may come from: a new code does not compile until listed. */
const WIRE_CODES: Record<WireErrorCode, 'decode' | 'context'> = {
  TOO_LARGE: 'decode',
  MALFORMED_CBOR: 'decode',
  NON_CANONICAL: 'decode',
  UNKNOWN_TYPE: 'decode',
  BAD_FIELD: 'decode',
  BAD_SIGNATURE: 'decode',
  WRONG_NETWORK: 'context',
  FROM_FUTURE: 'context'
}
const DECODE_CODES = (Object.keys(WIRE_CODES) as WireErrorCode[]).filter((c) => WIRE_CODES[c] === 'decode')

const PER_TYPE = Math.ceil(FUZZ_CASES / MESSAGE_TYPES.length)
/** "Never a hang": one decode of at most 64 KiB taking this long means super-linear work. */
const SLOW_MS = 1_000
/** Error messages go to logs and peers' scores: they must not echo a whole hostile input. */
const MAX_MESSAGE_LENGTH = 512

class PropertyViolation extends Error {}
function check (cond: boolean, what: string): asserts cond {
  if (!cond) throw new PropertyViolation(what)
}

function describeThrown (err: unknown): string {
  return err instanceof Error ? `${err.constructor.name}: ${err.message}\n${err.stack ?? ''}` : `${typeof err}: ${String(err)}`
}

/** The error is typed: a WireError of the wire layer, a code of `from`, an action, a short message. */
function expectTypedError (err: unknown, from: 'decode' | 'context'): asserts err is WireError {
  check(err instanceof SkymeshError, `threw something that is not a SkymeshError: ${describeThrown(err)}`)
  check(err instanceof WireError && err.layer === 'wire', `threw a ${err.name} (${err.code}), not a WireError`)
  check(Object.hasOwn(WIRE_CODES, err.code) && WIRE_CODES[err.code] === from, `code ${err.code} is not a ${from} code`)
  check(err.action === 'IGNORE' || err.action === 'REJECT', `action ${String(err.action)}`)
  check(err.message.length <= MAX_MESSAGE_LENGTH, `message of ${err.message.length} characters: ${err.message.slice(0, 200)}…`)
}

/** An accepted message is exactly what its bytes say: it verifies, and re-encodes to the bytes. */
function expectConsistent (bytes: Uint8Array, msg: AnySignedMessage): void {
  check(verifyDomain(msg.signer, msg.type, msg.bodyBytes, msg.sig), `accepted a ${msg.type} whose signature does not verify`)
  const again = writeEnvelope({ type: msg.type, body: encodeBody(msg.type, msg.body as never), signer: msg.signer, sig: msg.sig })
  check(equalBytes(again, bytes), `accepted a ${msg.type} that does not re-encode byte-identically: ${toHex(bytes).slice(0, 200)}`)
  check(equalBytes(msg.bytes, bytes) && equalBytes(msg.id, messageId(bytes)), 'bytes or id of the message are not those of the input')
}

/** decodeEnvelope under the property; the message when accepted, undefined when refused. */
function decodeChecked (bytes: Uint8Array, tally: Tally): AnySignedMessage | undefined {
  const started = performance.now()
  let msg: AnySignedMessage | undefined
  let thrown: unknown
  let threw = false
  try {
    msg = decodeEnvelope(bytes)
  } catch (err) {
    threw = true
    thrown = err
  }
  const ms = performance.now() - started
  check(ms < SLOW_MS, `decodeEnvelope took ${Math.round(ms)} ms on ${bytes.length} bytes`)
  if (threw) {
    expectTypedError(thrown, 'decode')
    tally.add(thrown.code)
    return undefined
  }
  check(msg !== undefined, 'decodeEnvelope returned nothing')
  expectConsistent(bytes, msg)
  tally.add('ACCEPTED')
  return msg
}

const SEED_A = new Uint8Array(32).fill(0x11)
const SEED_B = new Uint8Array(32).fill(0x22)
let signerA: FastSigner
let signerB: FastSigner
/** Valid envelopes of every type by both keys: the other half of a splice. */
let pool: Uint8Array[]

beforeAll(() => {
  signerA = new FastSigner(SEED_A)
  signerB = new FastSigner(SEED_B)
  const any = fc.oneof(...MESSAGE_TYPES.map((t) => fc.oneof(schemaEnvelope(t, signerA), schemaEnvelope(t, signerB))))
  // a fixed seed: the pool is part of every case, so a replayed seed must find the same pool
  pool = fc.sample(any, { numRuns: 48, seed: 7 }).map((e) => e.bytes)
})

function validEnvelope (type: MessageType): fc.Arbitrary<ValidEnvelope> {
  return schemaEnvelope(type, signerA) as fc.Arbitrary<ValidEnvelope>
}

// ---- the harness itself: if these fail, the properties below prove nothing -------------------

describe('fuzz harness', () => {
  it('FastSigner signs exactly as NodeKey does', async () => {
    const key = await NodeKey.fromSeed(SEED_A)
    expect(toHex(signerA.publicKey)).toBe(toHex(key.publicKey))
    const body = utf8('any bytes at all')
    expect(toHex(signerA.sign('Order', body))).toBe(toHex(key.sign('Order', body)))
  })

  for (const type of MESSAGE_TYPES) {
    it(`${type}: bodies built from BODY_SCHEMAS are valid, decode to themselves and parse back as CBOR items`, () => {
      fc.assert(fc.property(validEnvelope(type), (e) => {
        const msg = decodeEnvelope(e.bytes)
        expect(msg.type).toBe(type)
        expect(msg.body).toEqual(e.body)
        // the item model reads and writes them byte for byte, or mutations would not be mutations
        expect(toHex(emitCbor(parseCbor(e.bytes)))).toBe(toHex(e.bytes))
        expect(toHex(emitCbor(parseCbor(e.bodyBytes)))).toBe(toHex(e.bodyBytes))
      }), fuzzParameters(50))
    })
  }
})

// ---- byte-level mutations --------------------------------------------------------------------

type ByteMutation =
  | { op: 'flip', pos: number, bit: number }
  | { op: 'set', pos: number, value: number }
  | { op: 'insert', pos: number, bytes: Uint8Array }
  | { op: 'delete', pos: number, len: number }
  | { op: 'truncate', len: number }
  /** this envelope up to pos, then the other from otherPos */
  | { op: 'splice', pos: number, other: number, otherPos: number }
  /** a range written twice */
  | { op: 'repeat', pos: number, len: number }

/** Bytes that mean something to a CBOR reader: 1/2/4/8-byte arguments, indefinite, floats, break. */
const CBOR_BYTES = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x38, 0x40, 0x58, 0x5b, 0x5f, 0x60, 0x78, 0x7f, 0x80, 0x98, 0x9f,
  0xa0, 0xa4, 0xb8, 0xbf, 0xc0, 0xc2, 0xd8, 0xf4, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff]
const byteValue = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...CBOR_BYTES))
/**
 * A position: anywhere, or (half the time) the first byte of a CBOR item of the envelope or of
 * its body, where a change alters structure rather than content.
 */
const position = fc.record({ n: fc.nat(), structural: fc.boolean() })

const byteMutation: fc.Arbitrary<{ m: ByteMutation, structural: boolean }> = fc.oneof(
  fc.record({ p: position, bit: fc.integer({ min: 0, max: 7 }) }).map(({ p, bit }) => ({ m: { op: 'flip' as const, pos: p.n, bit }, structural: p.structural })),
  fc.record({ p: position, value: byteValue }).map(({ p, value }) => ({ m: { op: 'set' as const, pos: p.n, value }, structural: p.structural })),
  fc.record({ p: position, bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.array(byteValue, { minLength: 1, maxLength: 4 }).map((a) => new Uint8Array(a))) })
    .map(({ p, bytes }) => ({ m: { op: 'insert' as const, pos: p.n, bytes }, structural: p.structural })),
  fc.record({ p: position, len: fc.integer({ min: 1, max: 16 }) }).map(({ p, len }) => ({ m: { op: 'delete' as const, pos: p.n, len }, structural: p.structural })),
  fc.nat().map((len) => ({ m: { op: 'truncate' as const, len }, structural: false })),
  fc.record({ p: position, other: fc.nat(), otherPos: fc.nat() }).map(({ p, other, otherPos }) => ({ m: { op: 'splice' as const, pos: p.n, other, otherPos }, structural: p.structural })),
  fc.record({ p: position, len: fc.integer({ min: 1, max: 64 }) }).map(({ p, len }) => ({ m: { op: 'repeat' as const, pos: p.n, len }, structural: p.structural }))
)

/** Offsets of the initial bytes of every item of an envelope and of its body. */
function structuralOffsets (e: ValidEnvelope): number[] {
  const offsets: number[] = []
  parseCbor(e.bytes, offsets)
  // writeEnvelope's layout: a4, "sig", 58 40, 64 bytes, "body", the body's header, the body
  const bodyStart = 1 + 4 + 2 + 64 + 5 + header(2, BigInt(e.bodyBytes.length)).length
  const inBody: number[] = []
  parseCbor(e.bodyBytes, inBody)
  return [...offsets, ...inBody.map((o) => o + bodyStart)]
}

function applyByteMutation (b: Uint8Array, m: ByteMutation, pos: number, others: Uint8Array[]): Uint8Array {
  const at = (p: number, n: number): number => (n === 0 ? 0 : p % n)
  switch (m.op) {
    case 'flip': {
      if (b.length === 0) return b
      const c = b.slice()
      const i = at(pos, b.length)
      c[i] = (c[i] as number) ^ (1 << m.bit)
      return c
    }
    case 'set': {
      if (b.length === 0) return b
      const c = b.slice()
      c[at(pos, b.length)] = m.value
      return c
    }
    case 'insert': {
      const i = at(pos, b.length + 1)
      return concatBytes(b.subarray(0, i), m.bytes, b.subarray(i))
    }
    case 'delete': {
      const i = at(pos, b.length)
      return concatBytes(b.subarray(0, i), b.subarray(i + m.len))
    }
    case 'truncate':
      return b.slice(0, at(m.len, b.length))
    case 'splice': {
      const other = others[m.other % others.length] as Uint8Array
      return concatBytes(b.subarray(0, at(pos, b.length + 1)), other.subarray(at(m.otherPos, other.length + 1)))
    }
    case 'repeat': {
      const i = at(pos, b.length)
      const r = b.subarray(i, i + m.len)
      return concatBytes(b.subarray(0, i + r.length), r, b.subarray(i + r.length))
    }
  }
}

describe('byte mutations of valid envelopes', () => {
  for (const type of MESSAGE_TYPES) {
    it(`${type}: decode to the original envelope or throw a typed WireError (${PER_TYPE} cases)`, () => {
      const tally = new Tally()
      fc.assert(fc.property(validEnvelope(type), fc.array(byteMutation, { minLength: 1, maxLength: 4 }), (e, mutations) => {
        const offsets = structuralOffsets(e)
        let bytes = e.bytes
        for (const { m, structural } of mutations) {
          const pos = structural && 'pos' in m ? (offsets[m.pos % offsets.length] as number) : ('pos' in m ? m.pos : 0)
          bytes = applyByteMutation(bytes, m, pos, pool)
        }
        const msg = decodeChecked(bytes, tally)
        // accepted: it must be a valid envelope someone actually signed, byte for byte
        if (msg !== undefined) check(equalBytes(bytes, e.bytes) || pool.some((p) => equalBytes(p, bytes)), `a mutated ${type} envelope was accepted as a different message: ${toHex(bytes).slice(0, 200)}`)
      }), fuzzParameters(PER_TYPE))
      // the mutations reach the envelope's reader, the body's decoder and the signature check
      if (!expectsCoverage(PER_TYPE)) return
      for (const code of ['MALFORMED_CBOR', 'BAD_SIGNATURE'] as const) expect(tally.get(code), `${code} never seen: ${tally.toString()}`).toBeGreaterThan(0)
    })
  }
})

// ---- CBOR-level re-encodings and edits -------------------------------------------------------

type AstMutation =
  /** an argument (integer, length, tag) written in more bytes than it needs: same value */
  | { op: 'wide', target: number, width: number }
  /** an indefinite-length string (in chunks), array or map: same value */
  | { op: 'indefinite', target: number, chunks: number }
  /** a map's entries out of the deterministic order: same value */
  | { op: 'permute', target: number, keys: number[] }
  /** an integer written as a half, single or double float of the same value */
  | { op: 'float', target: number, size: number }
  /** a map entry written twice, with the same or another value */
  | { op: 'dupkey', target: number, entry: number, value: CborItem | null }
  /** a string, array or map whose header claims more than follows (up to 2^64 - 1) */
  | { op: 'hugelen', target: number, len: bigint }
  /** an item wrapped `depth` times in one-element arrays, tags or one-entry maps */
  | { op: 'nest', target: number, depth: number, wrapper: 'array' | 'tag' | 'map' }
  /** an item replaced by any other CBOR item, valid or not */
  | { op: 'replace', target: number, item: CborItem }
  /** an array element or a map entry removed */
  | { op: 'drop', target: number, entry: number }
  /** a map entry added at any position */
  | { op: 'addkey', target: number, key: CborItem, value: CborItem, at: number }
  /** a text string that is not UTF-8 */
  | { op: 'badutf8', target: number, bytes: Uint8Array, at: number }

const PRESERVING = new Set<AstMutation['op']>(['wide', 'indefinite', 'permute', 'float'])

/** Any CBOR item: every major type, every simple value, floats of every size, bignums and junk. */
const JUNK = [[0xff], [0x1c], [0x3d], [0x5e], [0x7c], [0x9d], [0xbe], [0xdc], [0xfc], [0xf8, 0x10], [0x5f, 0x40], [0x9f], [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]
const cborLeaf: fc.Arbitrary<CborItem> = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value): CborItem => ({ kind: 'uint', value })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((value): CborItem => ({ kind: 'nint', value })),
  fc.uint8Array({ maxLength: 40 }).map((value): CborItem => ({ kind: 'bytes', value })),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s): CborItem => ({ kind: 'text', value: utf8(s) })),
  fc.uint8Array({ maxLength: 8 }).map((value): CborItem => ({ kind: 'text', value })),
  fc.double().map((value): CborItem => ({ kind: 'float', value, size: 8 })),
  fc.integer({ min: 0, max: 0xffff }).map((bits): CborItem => ({ kind: 'raw', bytes: new Uint8Array([0xf9, bits >> 8, bits & 0xff]) })),
  fc.integer({ min: 0, max: 255 }).map((value): CborItem => ({ kind: 'simple', value })),
  fc.constantFrom(...JUNK).map((b): CborItem => ({ kind: 'raw', bytes: new Uint8Array(b) }))
)
const TAGS = [0n, 1n, 2n, 3n, 4n, 24n, 32n, 258n, 55799n, (1n << 64n) - 1n]
const cborItem: fc.Arbitrary<CborItem> = fc.letrec<{ item: CborItem }>((tie) => ({
  item: fc.oneof({ depthSize: 'small', maxDepth: 4 },
    cborLeaf,
    fc.array(tie('item'), { maxLength: 4 }).map((items): CborItem => ({ kind: 'array', items })),
    fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 12 }).map((s): CborItem => ({ kind: 'text', value: utf8(s) })), tie('item')), tie('item')), { maxLength: 4 })
      .map((entries): CborItem => ({ kind: 'map', entries })),
    fc.record({ tag: fc.constantFrom(...TAGS), item: tie('item') }).map(({ tag, item }): CborItem => ({ kind: 'tag', tag, item }))
  )
})).item

const target = fc.nat()
const astMutation: fc.Arbitrary<AstMutation> = fc.oneof(
  fc.record({ op: fc.constant('wide' as const), target, width: fc.nat() }),
  fc.record({ op: fc.constant('indefinite' as const), target, chunks: fc.nat() }),
  fc.record({ op: fc.constant('permute' as const), target, keys: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }) }),
  fc.record({ op: fc.constant('float' as const), target, size: fc.nat() }),
  fc.record({ op: fc.constant('dupkey' as const), target, entry: fc.nat(), value: fc.option(cborItem, { nil: null }) }),
  fc.record({ op: fc.constant('hugelen' as const), target, len: fc.oneof(fc.constantFrom(1n, 2n, 1000n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 53n, (1n << 64n) - 1n), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n })) }),
  fc.record({ op: fc.constant('nest' as const), target, depth: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 8 }), weight: 4 }, { arbitrary: fc.integer({ min: 100, max: 2_000 }), weight: 2 }, { arbitrary: fc.integer({ min: 10_000, max: 30_000 }), weight: 1 }), wrapper: fc.constantFrom('array' as const, 'tag' as const, 'map' as const) }),
  fc.record({ op: fc.constant('replace' as const), target, item: cborItem }),
  fc.record({ op: fc.constant('drop' as const), target, entry: fc.nat() }),
  fc.record({ op: fc.constant('addkey' as const), target, key: fc.oneof(fc.string({ maxLength: 12 }).map((s): CborItem => ({ kind: 'text', value: utf8(s) })), cborItem), value: cborItem, at: fc.nat() }),
  fc.record({ op: fc.constant('badutf8' as const), target, bytes: fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]).map((b) => new Uint8Array(b)), at: fc.nat() })
)

/** The argument of an item's header (integer value, length, tag number), if it has one. */
function argOf (it: CborItem): bigint | undefined {
  switch (it.kind) {
    case 'uint': case 'nint': return it.value
    case 'tag': return it.tag
    case 'bytes': case 'text': return it.chunks === undefined ? BigInt(it.value.length) : undefined
    case 'array': return it.indefinite === true ? undefined : BigInt(it.items.length)
    case 'map': return it.indefinite === true ? undefined : BigInt(it.entries.length)
    default: return undefined
  }
}

function numberOf (it: CborItem): number | undefined {
  if (it.kind === 'uint' && it.value <= 2n ** 53n) return Number(it.value)
  if (it.kind === 'nint' && it.value < 2n ** 53n) return -1 - Number(it.value)
  return undefined
}

function applicable (m: AstMutation, it: CborItem): boolean {
  switch (m.op) {
    case 'wide': { const a = argOf(it); return a !== undefined && minimalWidth(a) < 8 }
    case 'indefinite': return (it.kind === 'bytes' || it.kind === 'text') ? it.chunks === undefined : (it.kind === 'array' || it.kind === 'map') && it.indefinite !== true
    case 'permute': return it.kind === 'map' && it.entries.length >= 2
    case 'float': return numberOf(it) !== undefined
    case 'dupkey': return it.kind === 'map' && it.entries.length >= 1
    case 'hugelen': return it.kind === 'bytes' || it.kind === 'text' || it.kind === 'array' || it.kind === 'map'
    case 'drop': return (it.kind === 'array' && it.items.length >= 1) || (it.kind === 'map' && it.entries.length >= 1)
    case 'addkey': return it.kind === 'map'
    case 'badutf8': return it.kind === 'text'
    case 'nest': case 'replace': return true
  }
}

const MAJOR_OF = { bytes: 2, text: 3, array: 4, map: 5 } as const
const WRAPPERS = { array: [0x81], tag: [0xd9, 0xd9, 0xf7], map: [0xa1, 0x60] } as const

function transform (m: AstMutation, it: CborItem): CborItem {
  switch (m.op) {
    case 'wide': {
      const widths = ([1, 2, 4, 8] as ArgWidth[]).filter((w) => w > minimalWidth(argOf(it) as bigint))
      return { ...it, width: widths[m.width % widths.length] } as CborItem
    }
    case 'indefinite':
      return it.kind === 'bytes' || it.kind === 'text' ? { ...it, chunks: 1 + (m.chunks % 3) } : { ...it, indefinite: true } as CborItem
    case 'permute': {
      if (it.kind !== 'map') return it
      const order = it.entries.map((_, i) => i).sort((a, b) => (m.keys[a % 16] as number) - (m.keys[b % 16] as number) || a - b)
      if (order.every((v, i) => v === i)) { order[0] = 1; order[1] = 0 }
      return { ...it, entries: order.map((i) => it.entries[i] as [CborItem, CborItem]) }
    }
    case 'float': {
      const v = numberOf(it) as number
      const sizes = ([2, 4, 8] as const).filter((s) => floatBytes(v, s) !== undefined)
      return { kind: 'float', value: v, size: sizes[m.size % sizes.length] ?? 8 }
    }
    case 'dupkey': {
      if (it.kind !== 'map') return it
      const i = m.entry % it.entries.length
      const [k, v] = it.entries[i] as [CborItem, CborItem]
      const entries = [...it.entries]
      entries.splice(i + 1, 0, [k, m.value ?? v])
      return { ...it, entries }
    }
    case 'hugelen': {
      if (it.kind !== 'bytes' && it.kind !== 'text' && it.kind !== 'array' && it.kind !== 'map') return it
      const actual = BigInt(it.kind === 'array' ? it.items.length : it.kind === 'map' ? it.entries.length : it.value.length)
      const claimed = m.len > actual ? m.len : actual + 1n
      const children = it.kind === 'array' ? it.items : it.kind === 'map' ? it.entries.flat() : []
      const content = it.kind === 'bytes' || it.kind === 'text' ? it.value : concatBytes(...children.map(emitCbor))
      return { kind: 'raw', bytes: concatBytes(new Uint8Array(header(MAJOR_OF[it.kind], claimed)), content) }
    }
    case 'nest': {
      // written flat: the item model (like any recursive writer) would overflow its stack
      const w = WRAPPERS[m.wrapper]
      const prefix = new Uint8Array(w.length * m.depth)
      for (let i = 0; i < m.depth; i++) prefix.set(w, i * w.length)
      return { kind: 'raw', bytes: concatBytes(prefix, emitCbor(it)) }
    }
    case 'replace':
      return m.item
    case 'drop':
      if (it.kind === 'array') return { ...it, items: it.items.filter((_, i) => i !== m.entry % it.items.length) }
      if (it.kind === 'map') return { ...it, entries: it.entries.filter((_, i) => i !== m.entry % it.entries.length) }
      return it
    case 'addkey': {
      if (it.kind !== 'map') return it
      const entries = [...it.entries]
      entries.splice(m.at % (entries.length + 1), 0, [m.key, m.value])
      return { ...it, entries }
    }
    case 'badutf8': {
      if (it.kind !== 'text') return it
      const at = m.at % (it.value.length + 1)
      return { ...it, value: concatBytes(it.value.subarray(0, at), m.bytes, it.value.subarray(at)) }
    }
  }
}

/** Apply `m` to the first item it applies to from its target on (pre-order, wrapping around). */
function applyAst (tree: CborItem, m: AstMutation): { tree: CborItem, applied: boolean } {
  const n = countItems(tree)
  for (let k = 0; k < n; k++) {
    const idx = (m.target + k) % n
    const it = nthItem(tree, idx) as CborItem
    if (applicable(m, it)) return { tree: mapNth(tree, idx, (x) => transform(m, x)), applied: true }
  }
  return { tree, applied: false }
}

describe('CBOR re-encodings and edits of valid envelopes', () => {
  for (const type of MESSAGE_TYPES) {
    it(`${type}: a re-encoding is refused unless byte-identical, an edit is refused or is a valid signed message (${PER_TYPE} cases)`, () => {
      const tally = new Tally()
      let changed = 0
      const level = fc.constantFrom('envelope' as const, 'body' as const, 'body' as const)
      fc.assert(fc.property(validEnvelope(type), astMutation, level, fc.boolean(), (e, m, where, resign) => {
        const original = where === 'envelope' ? e.bytes : e.bodyBytes
        let done = applyAst(parseCbor(original), m)
        // a mutation that applies nowhere (a float where no integer is) becomes a plain replace
        const mutation: AstMutation = done.applied ? m : { op: 'replace', target: m.target, item: { kind: 'simple', value: 23 } }
        if (!done.applied) done = applyAst(parseCbor(original), mutation)
        const mutated = emitCbor(done.tree)
        if (!equalBytes(mutated, original)) changed++
        // The body's signer may re-sign a non-canonical body: a decoder that accepted it would
        // give one message two ids. An attacker cannot re-sign: then nothing may verify at all.
        const bytes = where === 'envelope'
          ? mutated
          : writeEnvelope({ type, body: mutated, signer: signerA.publicKey, sig: resign ? signerA.sign(type, mutated) : readEnvelope(e.bytes).sig })
        const msg = decodeChecked(bytes, tally)
        if (msg === undefined) return
        if (PRESERVING.has(mutation.op) || where === 'envelope' || !resign) {
          check(equalBytes(bytes, e.bytes), `${mutation.op} at ${where} level${resign ? ' (re-signed)' : ''} was accepted with other bytes: ${toHex(bytes).slice(0, 200)}`)
        }
      }), fuzzParameters(PER_TYPE))
      // nearly every case must really change the bytes, and reach each layer of checks
      if (!expectsCoverage(PER_TYPE)) return
      expect(changed).toBeGreaterThan(PER_TYPE * 0.95)
      for (const code of ['NON_CANONICAL', 'MALFORMED_CBOR', 'BAD_FIELD'] as const) expect(tally.get(code), `${code} never seen: ${tally.toString()}`).toBeGreaterThan(0)
    })
  }
})

// ---- random bytes ----------------------------------------------------------------------------

/** Pseudo-random bytes from a seed: cheap to make in bulk (TOO_LARGE inputs are ~64 KiB). */
function noise (len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len)
  let x = (seed | 0) || 1
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

const SIGN_IT = 'sign' as const
function randomInputs (): fc.Arbitrary<Uint8Array> {
  const typeName = fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 8 }))
  const bigNoise = fc.record({ len: fc.integer({ min: 500, max: WIRE_LIMITS.maxEnvelopeBytes + 2_000 }), seed: fc.integer() }).map(({ len, seed }) => noise(len, seed))
  const body = fc.oneof(fc.uint8Array({ maxLength: 300 }), cborItem.map(emitCbor), bigNoise)
  return fc.oneof(
    // bytes, nothing more
    fc.uint8Array({ maxLength: 600 }),
    bigNoise,
    // any CBOR document
    cborItem.map(emitCbor),
    // the envelope's frame around random parts, sometimes properly signed by a key we know
    fc.record({
      type: typeName,
      body,
      signer: fc.oneof(fc.constant(null), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
      sig: fc.oneof(fc.constant(SIGN_IT), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 70 }))
    }).map(({ type, body, signer, sig }) => writeEnvelope({ type, body, signer: signer ?? signerA.publicKey, sig: sig === SIGN_IT ? signerA.sign(type, body) : sig })),
    // a valid body under a random key and signature
    fc.record({ e: fc.nat(), signer: fc.uint8Array({ minLength: 32, maxLength: 32 }), sig: fc.uint8Array({ minLength: 64, maxLength: 64 }) })
      .map(({ e, signer, sig }) => writeEnvelope({ ...readEnvelope(pool[e % pool.length] as Uint8Array), signer, sig })),
    // the envelope's four keys with any values
    fc.tuple(cborItem, cborItem, cborItem, cborItem).map((vals) => emitCbor({
      kind: 'map',
      entries: ['sig', 'body', 'type', 'signer'].map((k, i) => [{ kind: 'text', value: utf8(k) }, vals[i] as CborItem] as [CborItem, CborItem])
    }))
  )
}

describe('random bytes', () => {
  it(`never throw anything but a typed WireError, and never pass as a message (${FUZZ_CASES} cases)`, () => {
    const tally = new Tally()
    fc.assert(fc.property(randomInputs(), (bytes) => {
      const msg = decodeChecked(bytes, tally)
      // only a body a schema accepts, signed by a key we hold, can pass
      if (msg !== undefined) check(equalBytes(msg.signer, signerA.publicKey) || equalBytes(msg.signer, signerB.publicKey), 'random bytes passed as a signed message')
    }), fuzzParameters(FUZZ_CASES))
    if (expectsCoverage(FUZZ_CASES)) for (const code of DECODE_CODES) expect(tally.get(code), `${code} never seen: ${tally.toString()}`).toBeGreaterThan(0)
  })
})

// ---- checkContext ----------------------------------------------------------------------------

/** Freeze every object and array of a value (typed arrays cannot be frozen; nothing writes them). */
function deepFreeze<T> (v: T): T {
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

describe('checkContext', () => {
  it(`refuses another network (WRONG_NETWORK, REJECT) and the future beyond the skew (FROM_FUTURE, IGNORE), nothing else (${FUZZ_CASES} cases)`, () => {
    const tally = new Tally()
    // Real decoded messages of every type, with net and createdAt drawn from the schemas' own
    // fields: checkContext reads nothing else, and decoding 10,000 fresh envelopes would only
    // re-test the families above.
    // frozen: checkContext only reads, and a write would throw a TypeError the property catches
    const decoded = pool.map((b) => deepFreeze(decodeEnvelope(b)))
    const field = (name: string): fc.Arbitrary<unknown> => {
      const spec = BODY_SCHEMAS.BidCommit.spec
      if (spec.kind !== 'struct' || spec.shape[name] === undefined) throw new Error(`BidCommit has no ${name} field`)
      return arbitraryOfSchema(spec.shape[name])
    }
    const message = fc.record({ i: fc.nat(), net: field('net') as fc.Arbitrary<string>, createdAt: field('createdAt') as fc.Arbitrary<number> })
      .map(({ i, net, createdAt }) => {
        const m = decoded[i % decoded.length] as AnySignedMessage
        return deepFreeze({ ...m, body: { ...m.body, net, createdAt } } as AnySignedMessage)
      })
    const otherNet = fc.option(field('net') as fc.Arbitrary<string>, { nil: undefined })
    fc.assert(fc.property(message, otherNet, fc.integer({ min: 0, max: 10_000_000 }), fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -1e13, max: 1e13 })), (msg, other, skew, delta) => {
      const networkId = other ?? msg.body.net
      // now + skew stays a safe integer, as a clock in ms and a configured skew are
      const now = Math.min(Math.max(0, msg.body.createdAt - skew + delta), Number.MAX_SAFE_INTEGER - skew)
      let thrown: unknown
      try {
        checkContext(msg, { networkId, now, maxClockSkewMs: skew })
      } catch (err) {
        thrown = err
      }
      if (networkId !== msg.body.net) {
        expectTypedError(thrown, 'context')
        check(thrown.code === 'WRONG_NETWORK' && thrown.action === 'REJECT', `another network gave ${thrown.code}/${thrown.action}`)
      } else if (msg.body.createdAt > now + skew) {
        expectTypedError(thrown, 'context')
        check(thrown.code === 'FROM_FUTURE' && thrown.action === 'IGNORE', `the future gave ${thrown.code}/${thrown.action}`)
      } else {
        check(thrown === undefined, `a message in time on its network was refused: ${describeThrown(thrown)}`)
      }
      tally.add(thrown === undefined ? 'OK' : (thrown as WireError).code)
    }), fuzzParameters(FUZZ_CASES))
    if (expectsCoverage(FUZZ_CASES)) for (const k of ['OK', 'WRONG_NETWORK', 'FROM_FUTURE']) expect(tally.get(k), `${k} never seen: ${tally.toString()}`).toBeGreaterThan(0)
  })
})
