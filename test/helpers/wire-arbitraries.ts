import { createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { signingBytes } from '../../src/identity/sign.js'
import { writeEnvelope } from '../../src/wire/envelope.js'
import type { Schema, SchemaSpec } from '../../src/wire/schema.js'
import type { Bodies, MessageType } from '../../src/wire/index.js'
import { BODY_SCHEMAS, MAX_ENVELOPE_BYTES, MESSAGE_TYPES, encodeBody } from '../../src/wire/index.js'

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 })
const net = fc.constantFrom('skymesh-local', 'devnet-1', 'a')
const time = fc.integer({ min: 0, max: 4_000_000_000_000 })
const small = fc.integer({ min: 0, max: 1_000_000 })
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
const denom = fc.constantFrom('uact', 'uakt', 'ibc/170C677610AC31DF0904FFE09CD3B5C657492170E7E52372E48756B71E56F2F1')
const price = fc.record({ denom, amount: u64 })
const text = (max: number): fc.Arbitrary<string> => fc.string({ maxLength: max })
const nonEmpty = (max: number): fc.Arbitrary<string> => fc.string({ minLength: 1, maxLength: max })
const attribute = fc.record({ key: nonEmpty(40), value: text(20) })
const attributes = fc.array(attribute, { maxLength: 4 })

const resourceUnit = fc.record({
  id: fc.integer({ min: 1, max: 100 }),
  count: fc.integer({ min: 1, max: 50 }),
  price,
  cpu: fc.integer({ min: 0, max: 512_000 }),
  memory: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  storage: fc.array(fc.record({ name: nonEmpty(12), size: small, attributes }), { maxLength: 3 }),
  gpu: fc.record({ units: fc.integer({ min: 0, max: 8 }), attributes }),
  endpoints: fc.array(fc.record({ kind: fc.constantFrom('SHARED_HTTP' as const, 'RANDOM_PORT' as const, 'LEASED_IP' as const), sequence: small }), { maxLength: 3 })
})

const capacity = fc.record({
  cpu: small,
  memory: small,
  storage: fc.array(fc.record({ class: nonEmpty(8), size: small }), { maxLength: 3 }),
  gpus: fc.array(fc.record({ vendor: nonEmpty(8), model: nonEmpty(8), ram: text(5), interface: text(5), units: small }), { maxLength: 3 })
})

const base = { net, createdAt: time }

export const BODY_ARBITRARIES: { [K in MessageType]: fc.Arbitrary<Bodies[K]> } = {
  Order: fc.record({
    ...base,
    dseq: small,
    gseq: fc.integer({ min: 1, max: 100 }),
    group: fc.record({
      name: nonEmpty(20),
      requirements: fc.record({ attributes, signedBy: fc.record({ allOf: fc.array(nonEmpty(50), { maxLength: 2 }), anyOf: fc.array(nonEmpty(50), { maxLength: 2 }) }) }),
      resources: fc.array(resourceUnit, { minLength: 1, maxLength: 3 })
    }),
    maxPrice: price,
    manifestHash: hash,
    sealSeedHash: hash,
    commitUntil: time,
    revealUntil: time
  }),
  BidCommit: fc.record({ ...base, orderId: hash, commitment: hash }),
  // inner envelopes are opaque bytes to the wire (the market decodes them)
  Seal: fc.record({ ...base, orderId: hash, seed: hash, commits: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 }) }),
  BidReveal: fc.record({ ...base, orderId: hash, commitId: hash, price, salt: hash }),
  Award: fc.record({ ...base, orderId: hash, reveals: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 }), winner: fc.oneof(hash, fc.constant(new Uint8Array(0))) }),
  LeaseAccept: fc.record({ ...base, orderId: hash, awardId: hash, manifestHash: hash }),
  LeaseClose: fc.record({ ...base, orderId: hash, provider: hash, reason: text(60) }),
  ProviderAnnounce: fc.record({ ...base, seq: small, addrs: fc.array(nonEmpty(60), { maxLength: 3 }), attributes, total: capacity, available: capacity, runtime: text(20) }),
  NoBid: fc.record({ ...base, orderId: hash, reasons: fc.array(fc.record({ code: fc.constantFrom('GPU_MODEL_UNAVAILABLE', 'PRICE_ABOVE_MAX', 'CPU_SHORT'), message: text(80) }), { maxLength: 4 }) }),
  Evidence: fc.record({ ...base, orderId: hash, first: fc.uint8Array({ minLength: 1, maxLength: 400 }), second: fc.uint8Array({ minLength: 1, maxLength: 400 }) }),
  Complaint: fc.record({ ...base, orderId: hash, reveal: fc.uint8Array({ minLength: 1, maxLength: 400 }) })
}

/** Any message type with a matching body. */
export const anyMessage: fc.Arbitrary<{ type: MessageType, body: Bodies[MessageType] }> = fc.oneof(
  ...MESSAGE_TYPES.map((type) => (BODY_ARBITRARIES[type] as fc.Arbitrary<Bodies[MessageType]>).map((body) => ({ type, body })))
)

/**
 * Bodies built from the schemas themselves (BODY_SCHEMAS[type].spec), so a new message type or a
 * changed field is generated without editing this file. Values lean to the edges the schemas
 * check (lengths and integers at their bounds, 2^53, 2^64 - 1), strings mix ASCII with any code
 * point, and lists of structs stay short so bodies fit their envelope caps; schemaEnvelope drops
 * the few that do not.
 */
export interface SchemaArbitraryOptions {
  /** longest list of structs (their sizes multiply) */
  maxStructItems: number
  /** longest list of scalars, except now and then one of the schema's full length */
  maxScalarItems: number
  /** longest string or byte string, except now and then one of the schema's full length */
  maxLength: number
}

export const defaultSchemaArbitraryOptions: SchemaArbitraryOptions = { maxStructItems: 3, maxScalarItems: 4, maxLength: 40 }

const INT_EDGES = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 0xffffffff, 2 ** 32, Number.MAX_SAFE_INTEGER]
const BIG_EDGES = [0n, 1n, 23n, 24n, 0xffffffffn, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, (1n << 64n) - 1n]

function clampedEdges<T extends number | bigint> (edges: T[], min: T, max: T): T[] {
  return [...new Set([min, max, ...edges.filter((e) => e >= min && e <= max)])]
}

/** Any string whose length in UTF-16 code units is within bounds; no lone surrogates (see codec). */
function stringArb (minLength: number, maxLength: number, opts: SchemaArbitraryOptions): fc.Arbitrary<string> {
  const cap = Math.max(minLength, Math.min(maxLength, opts.maxLength))
  return fc.oneof(
    { arbitrary: fc.string({ minLength, maxLength: cap }), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', minLength, maxLength: cap }), weight: 4 },
    { arbitrary: fc.constant('x'.repeat(maxLength)), weight: 1 }
  ).filter((s) => s.length >= minLength && s.length <= maxLength)
}

export function arbitraryOfSchema (schema: Schema<unknown>, opts: SchemaArbitraryOptions = defaultSchemaArbitraryOptions): fc.Arbitrary<unknown> {
  const spec: SchemaSpec = schema.spec
  switch (spec.kind) {
    case 'uint':
      return fc.oneof(
        fc.constantFrom(...clampedEdges(INT_EDGES, spec.min, spec.max)),
        fc.bigInt({ min: BigInt(spec.min), max: BigInt(spec.max) }).map(Number)
      )
    case 'biguint':
      return fc.oneof(fc.constantFrom(...clampedEdges(BIG_EDGES, 0n, spec.max)), fc.bigInt({ min: 0n, max: spec.max }))
    case 'str': {
      if (spec.pattern === undefined) return stringArb(spec.minLength, spec.maxLength, opts)
      const pattern = spec.pattern
      return fc.stringMatching(pattern).map((s) => s.slice(0, spec.maxLength))
        .filter((s) => s.length >= spec.minLength && pattern.test(s))
    }
    case 'literal':
      return fc.constantFrom(...spec.values)
    case 'bytes': {
      if (spec.min === spec.max) return fc.uint8Array({ minLength: spec.min, maxLength: spec.max })
      const cap = Math.max(spec.min, Math.min(spec.max, opts.maxLength))
      return fc.oneof(
        { arbitrary: fc.uint8Array({ minLength: spec.min, maxLength: cap }), weight: 8 },
        { arbitrary: fc.constant(new Uint8Array(spec.max)), weight: 1 }
      )
    }
    case 'list': {
      const item = arbitraryOfSchema(spec.item, opts)
      if (spec.item.spec.kind === 'struct' || spec.item.spec.kind === 'list') return fc.array(item, { maxLength: Math.min(spec.maxLength, opts.maxStructItems) })
      return fc.oneof(
        { arbitrary: fc.array(item, { maxLength: Math.min(spec.maxLength, opts.maxScalarItems) }), weight: 8 },
        { arbitrary: fc.array(item, { minLength: spec.maxLength, maxLength: spec.maxLength }), weight: 1 }
      )
    }
    case 'struct': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [k, s] of Object.entries(spec.shape)) shape[k] = arbitraryOfSchema(s, opts)
      return fc.record(shape)
    }
  }
}

/** A body of `type` from its schema. */
export function schemaBody<T extends MessageType> (type: T, opts?: SchemaArbitraryOptions): fc.Arbitrary<Bodies[T]> {
  return arbitraryOfSchema(BODY_SCHEMAS[type], opts) as fc.Arbitrary<Bodies[T]>
}

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * Signs like NodeKey (deterministic Ed25519 over the same domain-separated bytes) through
 * node:crypto, about ten times faster than @noble/ed25519: fuzz properties sign tens of
 * thousands of envelopes per run. A test checks that both give the same signature.
 */
export class FastSigner {
  readonly publicKey: Uint8Array
  private readonly key: KeyObject

  constructor (seed: Uint8Array) {
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    // SPKI DER of an Ed25519 key: 12 bytes of prefix, then the raw 32-byte key
    this.publicKey = new Uint8Array(createPublicKey(this.key).export({ format: 'der', type: 'spki' }).subarray(12))
  }

  sign (type: string, body: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, signingBytes(type, body), this.key))
  }

  /** The canonical envelope of an encoded body, signed. */
  envelope (type: string, body: Uint8Array): Uint8Array {
    return writeEnvelope({ type, body, signer: this.publicKey, sig: this.sign(type, body) })
  }
}

/** A valid signed envelope of `type` (body from its schema), within the type's size cap. */
export interface ValidEnvelope<T extends MessageType = MessageType> {
  type: T
  body: Bodies[T]
  bodyBytes: Uint8Array
  bytes: Uint8Array
}

export function schemaEnvelope<T extends MessageType> (type: T, signer: FastSigner, opts?: SchemaArbitraryOptions): fc.Arbitrary<ValidEnvelope<T>> {
  return schemaBody(type, opts)
    .map((body) => {
      const bodyBytes = encodeBody(type, body)
      return { type, body, bodyBytes, bytes: signer.envelope(type, bodyBytes) }
    })
    .filter((e) => e.bytes.length <= MAX_ENVELOPE_BYTES[type])
}
