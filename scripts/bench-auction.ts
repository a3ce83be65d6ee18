/**
 * bench:auction: auctions settled per second on one core, 10 bidders each, signature checks
 * included. Every message of an auction (order, 10 commits, seal, 10 reveals, award) arrives as
 * envelope bytes, is decoded and verified, and goes through the order book; the auction counts
 * when its lease is derived. Target (issue 6): at least 300 auctions/s.
 */
import '../src/util/polyfill.js'
import { NodeKey } from '../src/identity/index.js'
import { OrderBook, buildAwardBody, buildSealBody, defaultAuctionParams, makeSealedBid, orderIdOfMessage, signReveal, type AuctionMessage } from '../src/market/index.js'
import { sha256 } from '../src/identity/hash.js'
import { Auction } from '../src/market/auction.js'
import { toHex } from '../src/util/bytes.js'
import { decodeEnvelope, signMessage, type SignedMessage } from '../src/wire/index.js'
import { verifyDomain } from '../src/identity/sign.js'

const BIDDERS = 10
const AUCTIONS = Number(process.env.AUCTIONS ?? 300)
const T0 = Date.now()
const params = defaultAuctionParams

const tenant = await NodeKey.fromSeed(new Uint8Array(32).fill(1))
const providers = await Promise.all(Array.from({ length: BIDDERS }, async (_, i) => NodeKey.fromSeed(new Uint8Array(32).fill(10 + i))))

function sign<T extends SignedMessage['type']> (key: NodeKey, type: T, body: Parameters<typeof signMessage<T>>[2]): SignedMessage<T> {
  return signMessage(key, type, body)
}

const seed = new Uint8Array(32).fill(9)
const generated: Uint8Array[][] = []
for (let n = 0; n < AUCTIONS; n++) {
  const order = sign(tenant, 'Order', {
    net: 'bench', createdAt: T0, dseq: n, gseq: 1,
    group: { name: 'g', requirements: { attributes: [], signedBy: { allOf: [], anyOf: [] } }, resources: [{ id: 1, count: 1, price: { denom: 'uact', amount: 10_000n }, cpu: 1000, memory: 2 ** 30, storage: [{ name: 'default', size: 2 ** 31, attributes: [] }], gpu: { units: 0, attributes: [] }, endpoints: [{ kind: 'SHARED_HTTP', sequence: 0 }] }] },
    maxPrice: { denom: 'uact', amount: 10_000n }, manifestHash: new Uint8Array(32).fill(7), sealSeedHash: sha256(seed), commitUntil: T0 + 3000, revealUntil: T0 + 5000
  })
  const a = new Auction(toHex(orderIdOfMessage(order)), params)
  a.add(order)
  const bids = providers.map((p, i) => makeSealedBid(p, order, { denom: 'uact', amount: BigInt(5000 + ((n * 7 + i * 13) % 4000)) }, T0 + 10 + i))
  for (const b of bids) a.add(b.commit)
  const seal = sign(tenant, 'Seal', buildSealBody(a, params, T0 + 3000, seed))
  a.add(seal)
  const reveals = bids.map((b, i) => signReveal(providers[i] as NodeKey, b, T0 + 3100 + i))
  for (const r of reveals) a.add(r)
  const award = sign(tenant, 'Award', buildAwardBody(a, params, T0 + 5000))
  generated.push([order, ...bids.map((b) => b.commit), seal, ...reveals, award].map((m) => m.bytes))
}

const book = new OrderBook(params)
let leased = 0
const start = process.hrtime.bigint()
const cpuStart = process.cpuUsage()
for (const msgs of generated) {
  let last: AuctionMessage | undefined
  for (const bytes of msgs) {
    const m = decodeEnvelope(bytes) as AuctionMessage
    book.add(m)
    last = m
  }
  if (book.outcome(toHex((last as SignedMessage<'Award'>).body.orderId))?.status === 'leased') leased++
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9
const cpu = process.cpuUsage(cpuStart)
if (leased !== AUCTIONS) throw new Error(`only ${leased} of ${AUCTIONS} auctions ended in a lease`)

console.log(`auctions_settled: ${(AUCTIONS / seconds).toFixed(0)} auctions/s (target >= 300, ${BIDDERS} bidders each, signatures verified)`)
console.log(`auction_latency_mean: ${(1000 * seconds / AUCTIONS).toFixed(2)} ms (target <= 3.33, one core)`)
console.log(`auction_messages: ${((AUCTIONS * (2 * BIDDERS + 3)) / seconds).toFixed(0)} messages/s (no target; 23 per auction)`)
console.log(`auction_cpu_share: ${(100 * (cpu.user + cpu.system) / 1e6 / seconds).toFixed(0)} % (no target; one core = 100)`)

// The bound, measured in the same run: raw node:crypto verifies per second (the same keys,
// cached KeyObjects, the same signed bytes) divided by the signatures an auction needs. A seal
// and an award carry commits and reveals already verified on arrival: they are not verified again.
const samples = generated.slice(0, 50).flat().map((b) => decodeEnvelope(b))
const verifyStart = process.hrtime.bigint()
let verified = 0
while (Number(process.hrtime.bigint() - verifyStart) < 1e9) {
  for (const m of samples) { if (verifyDomain(m.signer, m.type, m.bodyBytes, m.sig)) verified++ }
}
const verifiesPerSecond = verified / (Number(process.hrtime.bigint() - verifyStart) / 1e9)
const signaturesPerAuction = 2 * BIDDERS + 3
const bound = verifiesPerSecond / signaturesPerAuction
console.log(`signature_bound: ${bound.toFixed(0)} auctions/s (no target; ${verifiesPerSecond.toFixed(0)} node:crypto verifies/s / ${signaturesPerAuction} signatures per auction)`)
console.log(`auction_vs_signature_bound: ${(100 * (AUCTIONS / seconds) / bound).toFixed(0)} % (target >= 85)`)
