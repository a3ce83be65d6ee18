import { NodeKey } from '../../src/identity/index.js'
import { buildAwardBody, buildSealBody, makeSealedBid, signReveal, type AuctionParams, type SealedBid } from '../../src/market/index.js'
import { sha256 } from '../../src/identity/hash.js'
import { Auction } from '../../src/market/auction.js'
import { orderIdOfMessage, type AuctionMessage } from '../../src/market/rules.js'
import { toHex } from '../../src/util/bytes.js'
import { signMessage, type Bodies, type SignedMessage } from '../../src/wire/index.js'

const keyCache = new Map<number, NodeKey>()
/** Deterministic keys (seed = n repeated), cached: signing keys are slow to derive. */
export async function testKey (n: number): Promise<NodeKey> {
  let k = keyCache.get(n)
  if (k === undefined) {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, n)
    seed[31] = 0x5a
    k = await NodeKey.fromSeed(seed)
    keyCache.set(n, k)
  }
  return k
}

export const T0 = 1_800_000_000_000
export const NET = 'skymesh-test'

export const testParams: AuctionParams = { maxClockSkewMs: 500, maxBidsPerOrder: 64, awardWindowMs: 10_000, maxAwardWindowMs: 600_000, finalityMs: 60_000, maxOrderWindowMs: 3_600_000 }

/** The seal seed of test orders (its hash is every test order's sealSeedHash). */
export const SEED = new Uint8Array(32).fill(0x5e)

export function orderBody (overrides: Partial<Bodies['Order']> = {}, unitPrice = 1000n, count = 2): Bodies['Order'] {
  return {
    net: NET,
    createdAt: T0,
    dseq: 1,
    gseq: 1,
    group: {
      name: 'westcoast',
      requirements: { attributes: [], signedBy: { allOf: [], anyOf: [] } },
      resources: [{
        id: 1, count, price: { denom: 'uact', amount: unitPrice }, cpu: 500, memory: 512 * 1024 * 1024,
        storage: [{ name: 'default', size: 1024 ** 3, attributes: [] }], gpu: { units: 0, attributes: [] }, endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }]
      }]
    },
    maxPrice: { denom: 'uact', amount: unitPrice * BigInt(count) },
    manifestHash: new Uint8Array(32).fill(0xab),
    sealSeedHash: sha256(SEED),
    commitUntil: T0 + 3000,
    revealUntil: T0 + 5000,
    ...overrides
  }
}

export interface Scenario {
  tenant: NodeKey
  providers: NodeKey[]
  order: SignedMessage<'Order'>
  bids: SealedBid[]
  commits: SignedMessage<'BidCommit'>[]
  seal: SignedMessage<'Seal'>
  reveals: SignedMessage<'BidReveal'>[]
  award: SignedMessage<'Award'>
  all: AuctionMessage[]
}

/** A complete honest auction: order, one commit and reveal per price, the tenant's seal and award. */
export async function honestAuction (prices: bigint[], opts: { maxPrice?: bigint, dseq?: number, tenantKey?: number } = {}): Promise<Scenario> {
  const tenant = await testKey(opts.tenantKey ?? 1)
  const providers = await Promise.all(prices.map(async (_, i) => testKey(100 + i)))
  const max = opts.maxPrice ?? 2000n
  const order = signMessage(tenant, 'Order', orderBody({ dseq: opts.dseq ?? 1, maxPrice: { denom: 'uact', amount: max } }, max / 2n, 2))
  const bids = prices.map((p, i) => makeSealedBid(providers[i] as NodeKey, order, { denom: 'uact', amount: p }, T0 + 100 + i, new Uint8Array(32).fill(i + 1)))
  const commits = bids.map((b) => b.commit)
  const a = new Auction(toHex(orderIdOfMessage(order)), testParams)
  a.add(order)
  for (const c of commits) a.add(c)
  const seal = signMessage(tenant, 'Seal', buildSealBody(a, testParams, T0 + 3000, SEED))
  a.add(seal)
  const reveals = bids.map((b, i) => signReveal(providers[i] as NodeKey, b, T0 + 3500 + i))
  for (const r of reveals) a.add(r)
  const award = signMessage(tenant, 'Award', buildAwardBody(a, testParams, T0 + 5000))
  return { tenant, providers, order, bids, commits, seal, reveals, award, all: [order, ...commits, seal, ...reveals, award] }
}
