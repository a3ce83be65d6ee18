import fc from 'fast-check'
import type { Bodies, MessageType } from '../../src/wire/index.js'
import { MESSAGE_TYPES } from '../../src/wire/index.js'

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
  ProviderAnnounce: fc.record({ ...base, seq: small, addrs: fc.array(nonEmpty(60), { maxLength: 3 }), attributes, total: capacity, available: capacity }),
  NoBid: fc.record({ ...base, orderId: hash, reasons: fc.array(fc.record({ code: fc.constantFrom('GPU_MODEL_UNAVAILABLE', 'PRICE_ABOVE_MAX', 'CPU_SHORT'), message: text(80) }), { maxLength: 4 }) }),
  Evidence: fc.record({ ...base, orderId: hash, first: fc.uint8Array({ minLength: 1, maxLength: 400 }), second: fc.uint8Array({ minLength: 1, maxLength: 400 }) }),
  Complaint: fc.record({ ...base, orderId: hash, reveal: fc.uint8Array({ minLength: 1, maxLength: 400 }) })
}

/** Any message type with a matching body. */
export const anyMessage: fc.Arbitrary<{ type: MessageType, body: Bodies[MessageType] }> = fc.oneof(
  ...MESSAGE_TYPES.map((type) => (BODY_ARBITRARIES[type] as fc.Arbitrary<Bodies[MessageType]>).map((body) => ({ type, body })))
)
