import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NodeKey, signDomain, signingBytes, verifyDomain, verifyDomainNoble, KeyObjectCache } from '../../../src/identity/index.js'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { sign as nodeSign, createPrivateKey } from 'node:crypto'

describe('domain-separated signatures', () => {
  it('signs type || 0x00 || body with the skymesh/1/ prefix', () => {
    const b = signingBytes('Order', new Uint8Array([1, 2]))
    expect(Buffer.from(b).toString('latin1')).toBe('skymesh/1/Order\u0000\u0001\u0002')
  })

  it('noble and node:crypto accept the same signatures and reject the same forgeries', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom('Order', 'BidCommit', 'Seal', 'Award'),
      fc.uint8Array({ maxLength: 300 }),
      fc.nat({ max: 200 }),
      async (seed, type, body, flip) => {
        const key = await NodeKey.fromSeed(seed)
        const sig = key.sign(type, body)
        expect(verifyDomain(key.publicKey, type, body, sig)).toBe(true)
        expect(verifyDomainNoble(key.publicKey, type, body, sig)).toBe(true)
        // flip one bit somewhere in (sig || body): both paths must say no
        const s2 = new Uint8Array(sig)
        const b2 = new Uint8Array(body)
        if (flip < 64 || body.length === 0) s2[flip % 64] = (s2[flip % 64] as number) ^ 1
        else b2[flip % body.length] = (b2[flip % body.length] as number) ^ 0x80
        expect(verifyDomain(key.publicKey, type, b2, s2)).toBe(false)
        expect(verifyDomainNoble(key.publicKey, type, b2, s2)).toBe(false)
        // another type's domain never verifies
        expect(verifyDomain(key.publicKey, type + 'x', body, sig)).toBe(false)
      }
    ), { numRuns: 60 })
  })

  it('noble signatures are byte-identical to node:crypto and libp2p signatures', async () => {
    for (let i = 0; i < 20; i++) {
      const seed = new Uint8Array(randomBytes(32))
      const body = new Uint8Array(randomBytes(i * 7))
      const noble = signDomain(seed, 'BidReveal', body)
      // node:crypto from a PKCS#8 wrapping of the same seed (RFC 8410)
      const pk = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' })
      const viaNode = nodeSign(null, signingBytes('BidReveal', body), pk)
      expect(Buffer.from(noble).equals(viaNode)).toBe(true)
      const libp2pKey = await generateKeyPairFromSeed('Ed25519', seed)
      expect(Buffer.from(await libp2pKey.sign(signingBytes('BidReveal', body))).equals(viaNode)).toBe(true)
    }
  })

  it('rejects malformed keys and signatures without throwing', () => {
    const body = new Uint8Array([1])
    expect(verifyDomain(new Uint8Array(31), 'Order', body, new Uint8Array(64))).toBe(false)
    expect(verifyDomain(new Uint8Array(32), 'Order', body, new Uint8Array(63))).toBe(false)
    expect(verifyDomainNoble(new Uint8Array(32).fill(0xff), 'Order', body, new Uint8Array(64))).toBe(false)
    expect(verifyDomain(new Uint8Array(32).fill(0xff), 'Order', body, new Uint8Array(64))).toBe(false)
  })

  it('the KeyObject cache stays bounded', async () => {
    const cache = new KeyObjectCache(4)
    const keys = await Promise.all([1, 2, 3, 4, 5, 6].map(async (n) => NodeKey.fromSeed(new Uint8Array(32).fill(n))))
    for (const k of keys) {
      const sig = k.sign('Seal', new Uint8Array([9]))
      expect(verifyDomain(k.publicKey, 'Seal', new Uint8Array([9]), sig, cache)).toBe(true)
    }
    expect((cache as unknown as { map: Map<string, unknown> }).map.size).toBe(4)
  })
})
