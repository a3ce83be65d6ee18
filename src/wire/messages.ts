import { biguint, bytes, list, literal, str, struct, uint, type Infer, type Schema } from './schema.js'

/**
 * Every signed message of the protocol (DESIGN.md section 5 and 6). Bodies hold integers only:
 * money as bigint sub-units, CPU in millicores, sizes in bytes, times in ms since the epoch.
 * Every body carries the network id and its creation time.
 */

/** Hard caps of the encoding. Network parameters (config) may only be stricter. */
export const WIRE_LIMITS = {
  maxEnvelopeBytes: 128 * 1024,
  networkIdLength: 64,
  maxBidsPerOrder: 128,
  /** an envelope carried inside another (a commit in a seal, a reveal in an award) */
  maxInnerEnvelopeBytes: 1024,
  maxResourcesPerGroup: 64,
  maxVolumesPerUnit: 16,
  maxEndpointsPerUnit: 64,
  maxAttributes: 64,
  maxSignedBy: 32,
  attributeKeyLength: 256,
  attributeValueLength: 256,
  nameLength: 128,
  denomLength: 128,
  accountIdLength: 128,
  maxAddrs: 32,
  addrLength: 512,
  maxGpuModels: 64,
  maxReasons: 32,
  reasonLength: 512
} as const

/**
 * Prices are integers in units of 10^-6 of the denom's micro-unit (for `uact`: 10^-12 ACT), so
 * per-block prices of small units keep their precision without floats. Akash DecCoins have 18
 * fractional digits; SDL amounts finer than 10^-6 micro-units are rounded down when an order is
 * built (a maximum price only ever becomes stricter).
 */
export const PRICE_SCALE = 1_000_000n

export const MESSAGE_TYPES = [
  'Order', 'BidCommit', 'Seal', 'BidReveal', 'Award', 'LeaseAccept', 'LeaseClose', 'ProviderAnnounce', 'NoBid', 'Evidence', 'Complaint'
] as const
export type MessageType = typeof MESSAGE_TYPES[number]

const hash32 = bytes(32)
const inner = bytes({ min: 1, max: WIRE_LIMITS.maxInnerEnvelopeBytes })
const net = str(WIRE_LIMITS.networkIdLength, /^[a-z0-9][a-z0-9._-]*$/, 1)
const time = uint()

export const priceSchema = struct({
  denom: str(WIRE_LIMITS.denomLength, /^[a-zA-Z][a-zA-Z0-9/:._-]*$/, 2),
  amount: biguint()
})
export type Price = Infer<typeof priceSchema>

const attribute = struct({ key: str(WIRE_LIMITS.attributeKeyLength, undefined, 1), value: str(WIRE_LIMITS.attributeValueLength) })
export type WireAttribute = Infer<typeof attribute>
const attributes = list(attribute, WIRE_LIMITS.maxAttributes)
const accounts = list(str(WIRE_LIMITS.accountIdLength, undefined, 1), WIRE_LIMITS.maxSignedBy)

const resourceUnit = struct({
  id: uint(0xffffffff, 1),
  count: uint(0xffffffff, 1),
  price: priceSchema,
  cpu: uint(),
  memory: uint(),
  storage: list(struct({ name: str(WIRE_LIMITS.nameLength, undefined, 1), size: uint(), attributes }), WIRE_LIMITS.maxVolumesPerUnit),
  gpu: struct({ units: uint(), attributes }),
  endpoints: list(struct({ kind: literal(['SHARED_HTTP', 'RANDOM_PORT', 'LEASED_IP'] as const), sequence: uint(0xffffffff) }), WIRE_LIMITS.maxEndpointsPerUnit)
})
export type WireResourceUnit = Infer<typeof resourceUnit>

const orderGroup = struct({
  name: str(WIRE_LIMITS.nameLength, undefined, 1),
  requirements: struct({ attributes, signedBy: struct({ allOf: accounts, anyOf: accounts }) }),
  resources: list(resourceUnit, WIRE_LIMITS.maxResourcesPerGroup)
})
export type OrderGroup = Infer<typeof orderGroup>

const orderBody = struct({
  net,
  createdAt: time,
  /** deployment sequence: the tenant's own counter, as Akash's dseq */
  dseq: uint(),
  /** group sequence within the deployment, from 1 */
  gseq: uint(0xffffffff, 1),
  group: orderGroup,
  /** maximum total per block for the whole group (sum of unit price x count) */
  maxPrice: priceSchema,
  manifestHash: hash32,
  /**
   * sha256 of the seed the seal reveals: when more providers commit than a seal may hold, the
   * seed ranks them, and nobody knew it while committing (so commit ids cannot be ground)
   */
  sealSeedHash: hash32,
  commitUntil: time,
  revealUntil: time
})

const bidCommitBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  /** sha256(domain, orderId, provider, price, salt), see market/commitment */
  commitment: hash32
})

const sealBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  /** the preimage of the order's sealSeedHash */
  seed: hash32,
  /**
   * the signed BidCommit envelopes the tenant accepts, sorted by message id: a seal carries
   * what it relies on, so every node checks it without fetching anything
   */
  commits: list(inner, WIRE_LIMITS.maxBidsPerOrder)
})

const bidRevealBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  commitId: hash32,
  price: priceSchema,
  salt: hash32
})

const awardBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  /**
   * the signed BidReveal envelopes the tenant considered, one per sealed commit, sorted by the
   * id of the commit each opens: a bid is named by what it opens, never by its envelope
   */
  reveals: list(inner, WIRE_LIMITS.maxBidsPerOrder),
  /** id of the winning commit, or empty when no reveal qualifies */
  winner: bytes({ min: 0, max: 32 })
})

const leaseAcceptBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  awardId: hash32,
  manifestHash: hash32
})

const leaseCloseBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  /** the lease's provider (raw Ed25519 public key); the signer is the tenant or that provider */
  provider: hash32,
  reason: str(WIRE_LIMITS.reasonLength)
})

const capacity = struct({
  cpu: uint(),
  memory: uint(),
  storage: list(struct({ class: str(WIRE_LIMITS.nameLength, undefined, 1), size: uint() }), WIRE_LIMITS.maxVolumesPerUnit),
  gpus: list(struct({
    vendor: str(WIRE_LIMITS.nameLength, undefined, 1),
    model: str(WIRE_LIMITS.nameLength, undefined, 1),
    ram: str(WIRE_LIMITS.nameLength),
    interface: str(WIRE_LIMITS.nameLength),
    units: uint()
  }), WIRE_LIMITS.maxGpuModels)
})
export type Capacity = Infer<typeof capacity>

const providerAnnounceBody = struct({
  net,
  createdAt: time,
  /** strictly increasing per provider; the highest wins */
  seq: uint(),
  addrs: list(str(WIRE_LIMITS.addrLength, undefined, 1), WIRE_LIMITS.maxAddrs),
  attributes,
  total: capacity,
  available: capacity,
  /** the container runtime leases run on ("podman 4.3.1"), "off" (workloads off) or "none" */
  runtime: str(64)
})

const noBidBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  reasons: list(struct({ code: str(64, /^[A-Z][A-Z0-9_]*$/, 1), message: str(WIRE_LIMITS.reasonLength) }), WIRE_LIMITS.maxReasons)
})

/**
 * Two different messages of one type, signed by one key for one order (two orders, commits,
 * seals or awards): proof of equivocation that any node checks alone. Signed by the reporter.
 */
const evidenceBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  first: bytes({ min: 1, max: 56 * 1024 }),
  second: bytes({ min: 1, max: 56 * 1024 })
})

/** A provider's signed complaint: the award left out this reveal of its sealed commit. */
const complaintBody = struct({
  net,
  createdAt: time,
  orderId: hash32,
  reveal: inner
})

export const BODY_SCHEMAS = {
  Order: orderBody,
  BidCommit: bidCommitBody,
  Seal: sealBody,
  BidReveal: bidRevealBody,
  Award: awardBody,
  LeaseAccept: leaseAcceptBody,
  LeaseClose: leaseCloseBody,
  ProviderAnnounce: providerAnnounceBody,
  NoBid: noBidBody,
  Evidence: evidenceBody,
  Complaint: complaintBody
} satisfies Record<MessageType, Schema<unknown>>

export type Bodies = { [K in MessageType]: Infer<typeof BODY_SCHEMAS[K]> }
export type OrderBody = Bodies['Order']
export type BidCommitBody = Bodies['BidCommit']
export type SealBody = Bodies['Seal']
export type BidRevealBody = Bodies['BidReveal']
export type AwardBody = Bodies['Award']
export type LeaseAcceptBody = Bodies['LeaseAccept']
export type LeaseCloseBody = Bodies['LeaseClose']
export type ProviderAnnounceBody = Bodies['ProviderAnnounce']
export type NoBidBody = Bodies['NoBid']
export type EvidenceBody = Bodies['Evidence']
export type ComplaintBody = Bodies['Complaint']

/**
 * Largest envelope accepted per type, in bytes. Orders and announces carry lists of
 * attributes; seals and awards carry up to maxBidsPerOrder inner envelopes (a commit is about
 * 280 bytes, a reveal about 330: 128 reveals fit in 48 KiB); evidence carries two of them.
 */
export const MAX_ENVELOPE_BYTES: Record<MessageType, number> = {
  Order: 32 * 1024,
  BidCommit: 1024,
  Seal: 56 * 1024,
  BidReveal: 1024,
  Award: 56 * 1024,
  Evidence: 120 * 1024,
  Complaint: 2048,
  LeaseAccept: 1024,
  LeaseClose: 2048,
  ProviderAnnounce: 48 * 1024,
  NoBid: 24 * 1024
}

export function isMessageType (t: string): t is MessageType {
  return Object.prototype.hasOwnProperty.call(BODY_SCHEMAS, t)
}
