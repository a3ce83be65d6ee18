/**
 * bench:crypto: Ed25519 sign/verify through @noble/ed25519 and node:crypto, and whole envelopes
 * decoded + verified per second. Prints `name: value unit (target ...)` lines.
 * Target (issue 2): verified envelopes per second >= 80% of raw node:crypto verify speed.
 */
import '../src/util/polyfill.js'
import { createPrivateKey, sign as nodeSign } from 'node:crypto'
import { NodeKey, KeyObjectCache, signDomain, signingBytes, verifyDomain, verifyDomainNoble } from '../src/identity/index.js'
import { decodeEnvelope, signMessage } from '../src/wire/index.js'

function rate (name: string, fn: (i: number) => void, ms = 1500): number {
  for (let i = 0; i < 200; i++) fn(i) // warm up
  let n = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 100; i++) fn(n++)
    now = process.hrtime.bigint()
  }
  const perSec = n / (Number(now - start) / 1e9)
  void name
  return perSec
}

const seed = new Uint8Array(32).fill(42)
const key = await NodeKey.fromSeed(seed)
const body = new Uint8Array(120).fill(3)
const sig = signDomain(seed, 'BidReveal', body)
const pk8 = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })
const cache = new KeyObjectCache()

const reveal = signMessage(key, 'BidReveal', {
  net: 'skymesh-local', createdAt: Date.now(), orderId: new Uint8Array(32).fill(1), commitId: new Uint8Array(32).fill(2),
  price: { denom: 'uact', amount: 123_456_789n }, salt: new Uint8Array(32).fill(9)
})

const nobleSign = rate('noble sign', (i) => { body[0] = i & 0xff; signDomain(seed, 'BidReveal', body) })
body[0] = 3
const nobleVerify = rate('noble verify', () => { verifyDomainNoble(key.publicKey, 'BidReveal', body, sig) })
const nodeSignRate = rate('node sign', (i) => { body[0] = i & 0xff; nodeSign(null, signingBytes('BidReveal', body), pk8) })
body[0] = 3
const nodeVerify = rate('node verify', () => { verifyDomain(key.publicKey, 'BidReveal', body, sig, cache) })
const envelopes = rate('envelope', () => { decodeEnvelope(reveal.bytes, { keyCache: cache }) })

const fmt = (n: number): string => Math.round(n).toString()
console.log(`noble_sign: ${fmt(nobleSign)} ops/s (baseline ~3400, STACK.md)`)
console.log(`noble_verify: ${fmt(nobleVerify)} ops/s (baseline ~830, STACK.md)`)
console.log(`node_crypto_sign: ${fmt(nodeSignRate)} ops/s (baseline ~23000, STACK.md)`)
console.log(`node_crypto_verify: ${fmt(nodeVerify)} ops/s (baseline ~9000, STACK.md)`)
console.log(`envelope_decode_verify: ${fmt(envelopes)} envelopes/s (target >= ${fmt(0.8 * nodeVerify)}, 80% of node_crypto_verify)`)
console.log(`envelope_vs_raw_verify: ${(100 * envelopes / nodeVerify).toFixed(1)} % (target >= 80)`)
