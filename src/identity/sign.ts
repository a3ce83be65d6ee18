import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'
import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { utf8 } from '../util/bytes.js'
import { IdentityError } from './errors.js'

// @noble/ed25519 v3 needs a synchronous sha512 for sign/verify.
ed.hashes.sha512 = sha512

export const SIGNATURE_LENGTH = 64
export const PUBLIC_KEY_LENGTH = 32
/** Every signature in the protocol is over utf8(DOMAIN_PREFIX + type) || 0x00 || body. */
export const DOMAIN_PREFIX = 'skymesh/1/'

const domainCache = new Map<string, Uint8Array>()

/** The bytes that are signed for a message of `type` with encoded `body`. */
export function signingBytes (type: string, body: Uint8Array): Uint8Array {
  let prefix = domainCache.get(type)
  if (prefix === undefined) {
    const d = utf8(DOMAIN_PREFIX + type)
    prefix = new Uint8Array(d.length + 1)
    prefix.set(d)
    // Trailing 0x00 is the separator: no type is a prefix of another type's domain.
    if (domainCache.size < 256) domainCache.set(type, prefix)
  }
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix)
  out.set(body, prefix.length)
  return out
}

/** Sign with @noble/ed25519 (RFC 8032, deterministic). `seed` is the 32-byte secret key. */
export function signDomain (seed: Uint8Array, type: string, body: Uint8Array): Uint8Array {
  return ed.sign(signingBytes(type, body), seed)
}

/** Verify with @noble/ed25519 in strict RFC 8032 mode (zip215 off), matching OpenSSL's rules. */
export function verifyDomainNoble (publicKey: Uint8Array, type: string, body: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || sig.length !== SIGNATURE_LENGTH) return false
  try {
    return ed.verify(sig, signingBytes(type, body), publicKey, { zip215: false })
  } catch {
    return false
  }
}

// DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the raw 32 bytes follow.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/**
 * Bounded cache of node:crypto KeyObjects: creating one costs about as much as a verify, and the
 * same few hundred providers and tenants sign almost every message.
 */
export class KeyObjectCache {
  private readonly map = new Map<string, KeyObject>()
  constructor (private readonly max = 4096) {}

  get (publicKey: Uint8Array): KeyObject {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1')
    let key = this.map.get(id)
    if (key !== undefined) {
      // refresh LRU position
      this.map.delete(id)
      this.map.set(id, key)
      return key
    }
    if (publicKey.length !== PUBLIC_KEY_LENGTH) throw new IdentityError('BAD_PUBLIC_KEY', `an Ed25519 public key is ${PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`)
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch (err) {
      throw new IdentityError('BAD_PUBLIC_KEY', 'not a valid Ed25519 public key', { cause: err })
    }
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value
      if (oldest !== undefined) this.map.delete(oldest)
    }
    this.map.set(id, key)
    return key
  }
}

const defaultCache = new KeyObjectCache()

/** Verify through node:crypto (about 10x faster than noble here); the hot path for gossip. */
export function verifyDomain (publicKey: Uint8Array, type: string, body: Uint8Array, sig: Uint8Array, cache: KeyObjectCache = defaultCache): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || sig.length !== SIGNATURE_LENGTH) return false
  let key: KeyObject
  try {
    key = cache.get(publicKey)
  } catch {
    return false
  }
  try {
    return nodeVerify(null, signingBytes(type, body), key, sig)
  } catch {
    return false
  }
}
