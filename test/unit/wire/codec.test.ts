import { encode as cborEncode } from 'cborg'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { NodeKey } from '../../../src/identity/index.js'
import { toHex } from '../../../src/util/bytes.js'
import {
  MESSAGE_TYPES, WIRE_LIMITS, WireError, checkContext, decodeBody, decodeEnvelope, encodeBody, messageId, signMessage,
  type Bodies, type MessageType
} from '../../../src/wire/index.js'
import { BODY_ARBITRARIES, anyMessage } from '../../helpers/wire-arbitraries.js'

let key: NodeKey
let other: NodeKey
beforeAll(async () => {
  key = await NodeKey.fromSeed(new Uint8Array(32).fill(7))
  other = await NodeKey.fromSeed(new Uint8Array(32).fill(8))
})

function expectWireError (fn: () => unknown, code?: string): WireError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WireError)
    if (code !== undefined) expect((err as WireError).code).toBe(code)
    return err as WireError
  }
  throw new Error('expected a WireError')
}

describe('wire codec', () => {
  for (const type of MESSAGE_TYPES) {
    it(`${type}: decode(encode(m)) equals m, through body and envelope`, () => {
      fc.assert(fc.property(BODY_ARBITRARIES[type] as fc.Arbitrary<Bodies[MessageType]>, (body) => {
        const bytes = encodeBody(type, body as never)
        expect(decodeBody(type, bytes)).toEqual(body)
        const msg = signMessage(key, type, body as never)
        const back = decodeEnvelope(msg.bytes)
        expect(back.type).toBe(type)
        expect(back.body).toEqual(body)
        expect(toHex(back.id)).toBe(toHex(messageId(msg.bytes)))
        expect(toHex(back.signer)).toBe(toHex(key.publicKey))
      }), { numRuns: 40 })
    })
  }

  it('encoding is deterministic: key order and number representation do not matter', () => {
    const body = { net: 'n', createdAt: 5, orderId: new Uint8Array(32), commitment: new Uint8Array(32).fill(1) }
    const shuffled = { commitment: body.commitment, orderId: body.orderId, createdAt: 5, net: 'n' }
    expect(toHex(encodeBody('BidCommit', body))).toBe(toHex(encodeBody('BidCommit', shuffled)))
    const p1 = { net: 'n', createdAt: 1, orderId: new Uint8Array(32), commitId: new Uint8Array(32), salt: new Uint8Array(32), price: { denom: 'uact', amount: 10n } }
    // amounts within 2^53 encode the same whether bigint or number
    expect(toHex(encodeBody('BidReveal', p1))).toBe(toHex(encodeBody('BidReveal', { ...p1, price: { denom: 'uact', amount: 10 as unknown as bigint } })))
  })

  it('any flipped byte in an envelope is rejected with a WireError', () => {
    fc.assert(fc.property(anyMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ type, body }, pos, mask) => {
      const msg = signMessage(key, type, body as never)
      const bytes = new Uint8Array(msg.bytes)
      const i = pos % bytes.length
      bytes[i] = (bytes[i] as number) ^ mask
      expectWireError(() => decodeEnvelope(bytes))
    }), { numRuns: 400 })
  })

  it('random bytes never throw anything but a WireError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      expectWireError(() => decodeEnvelope(bytes))
    }), { numRuns: 1000 })
  })

  it('random CBOR values never throw anything but a WireError', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 40 }),
        fc.bigInt({ min: -(1n << 64n) + 1n, max: (1n << 64n) - 1n }), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 5 }))
    })).v
    fc.assert(fc.property(value, fc.constantFrom(...MESSAGE_TYPES), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (v, type, signer, sig) => {
      let body: Uint8Array
      try { body = cborEncode(v) } catch { return }
      expectWireError(() => decodeEnvelope(cborEncode({ type, body, signer, sig })))
      expectWireError(() => decodeBody(type, body))
    }), { numRuns: 600 })
  })

  it('rejects a signature by another key, a float, an unknown field, a missing field and non-canonical bytes', () => {
    const body: Bodies['BidCommit'] = { net: 'n', createdAt: 1, orderId: new Uint8Array(32), commitment: new Uint8Array(32) }
    const good = signMessage(key, 'BidCommit', body)
    // signer swapped for another key
    expectWireError(() => decodeEnvelope(cborEncode({ type: 'BidCommit', body: good.bodyBytes, signer: other.publicKey, sig: good.sig })), 'BAD_SIGNATURE')
    // signature of the same body under another type's domain
    const asSeal = cborEncode({ type: 'Seal', body: good.bodyBytes, signer: key.publicKey, sig: good.sig })
    expectWireError(() => decodeEnvelope(asSeal), 'BAD_FIELD')
    // float where an integer goes (1.5 cannot pass as an integer)
    expectWireError(() => decodeBody('BidCommit', cborEncode({ ...body, createdAt: 1.5 })), 'BAD_FIELD')
    // 1.0 written as a float is not the canonical encoding of 1
    const floatOne = new Uint8Array(cborEncode({ ...body, createdAt: 1 }))
    const idx = floatOne.findIndex((b, i) => b === 0x01 && floatOne[i - 1] === 0x74) // "createdAt" then 1
    expect(idx).toBeGreaterThan(0)
    const withFloat = new Uint8Array([...floatOne.subarray(0, idx), 0xf9, 0x3c, 0x00, ...floatOne.subarray(idx + 1)])
    expectWireError(() => decodeBody('BidCommit', withFloat), 'NON_CANONICAL')
    const extra = expectWireError(() => decodeBody('BidCommit', cborEncode({ ...body, x: 1 })), 'BAD_FIELD')
    expect(extra.details.path).toBe('BidCommit.x')
    const { commitment: _c, ...missing } = body
    expect(expectWireError(() => decodeBody('BidCommit', cborEncode(missing)), 'BAD_FIELD').details.path).toBe('BidCommit.commitment')
    // keys out of order: a valid CBOR map, but not the deterministic encoding
    const reverse = (a: Array<{ value?: unknown }>, b: Array<{ value?: unknown }>): number => -String(a[0]?.value).localeCompare(String(b[0]?.value))
    const unsorted = cborEncode(body, { mapSorter: reverse as never })
    expectWireError(() => decodeBody('BidCommit', unsorted), 'NON_CANONICAL')
    // non-minimal integer: 1 written in two bytes
    expectWireError(() => decodeBody('BidCommit', new Uint8Array([...floatOne.subarray(0, idx), 0x18, 0x01, ...floatOne.subarray(idx + 1)])))
  })

  it('enforces size caps on envelopes and on lists', () => {
    expectWireError(() => decodeEnvelope(new Uint8Array(WIRE_LIMITS.maxEnvelopeBytes + 1)), 'TOO_LARGE')
    const tooMany = { net: 'n', createdAt: 1, orderId: new Uint8Array(32), seed: new Uint8Array(32), commits: Array.from({ length: WIRE_LIMITS.maxBidsPerOrder + 1 }, () => new Uint8Array(32)) }
    expectWireError(() => encodeBody('Seal', tooMany), 'BAD_FIELD')
    // a per-type cap: a BidCommit envelope padded past 1 KiB
    const padded = cborEncode({ type: 'BidCommit', body: new Uint8Array(2000), signer: key.publicKey, sig: new Uint8Array(64) })
    expectWireError(() => decodeEnvelope(padded), 'TOO_LARGE')
  })

  it('checkContext drops other networks (REJECT) and messages from the future (IGNORE)', () => {
    const msg = decodeEnvelope(signMessage(key, 'BidCommit', { net: 'n', createdAt: 10_000, orderId: new Uint8Array(32), commitment: new Uint8Array(32) }).bytes)
    expect(() => checkContext(msg, { networkId: 'n', now: 9_500, maxClockSkewMs: 500 })).not.toThrow()
    const future = expectWireError(() => checkContext(msg, { networkId: 'n', now: 9_000, maxClockSkewMs: 500 }), 'FROM_FUTURE')
    expect(future.action).toBe('IGNORE')
    expect(expectWireError(() => checkContext(msg, { networkId: 'm', now: 10_000, maxClockSkewMs: 500 }), 'WRONG_NETWORK').action).toBe('REJECT')
  })

  it('never encodes a body that does not match its schema', () => {
    expectWireError(() => encodeBody('BidCommit', { net: 'n', createdAt: -1, orderId: new Uint8Array(32), commitment: new Uint8Array(32) }), 'BAD_FIELD')
    expectWireError(() => encodeBody('BidReveal', { net: 'n', createdAt: 1, orderId: new Uint8Array(32), commitId: new Uint8Array(32), salt: new Uint8Array(32), price: { denom: 'uact', amount: -1n } }), 'BAD_FIELD')
    expectWireError(() => encodeBody('Order', {} as never), 'BAD_FIELD')
  })
})

describe('envelope layout', () => {
  it('the hand-written envelope is byte-identical to cborg\'s deterministic encoding', async () => {
    const { writeEnvelope } = await import('../../../src/wire/envelope.js')
    fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 70_000 }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 70 }), (type, body, signer, sig) => {
      expect(toHex(writeEnvelope({ type, body, signer, sig }))).toBe(toHex(cborEncode({ type, body, signer, sig })))
    }), { numRuns: 200 })
  })
})
