import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPairFromSeed, privateKeyFromProtobuf, privateKeyToProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { utf8 } from '../util/bytes.js'
import { IdentityError } from './errors.js'
import { sha256 } from './hash.js'
import { PUBLIC_KEY_LENGTH, signDomain } from './sign.js'

export const KEY_FILE_NAME = 'node.key'

/**
 * The node's one Ed25519 key: its libp2p identity and its market account. The account id is
 * the PeerId string (12D3KooW…), so a peer and an account are the same thing everywhere.
 */
export class NodeKey {
  readonly peerId: PeerId
  readonly accountId: string
  readonly publicKey: Uint8Array

  private constructor (readonly privateKey: Ed25519PrivateKey, private readonly seed: Uint8Array) {
    this.peerId = peerIdFromPrivateKey(privateKey)
    this.accountId = this.peerId.toString()
    this.publicKey = privateKey.publicKey.raw
  }

  static async fromSeed (seed: Uint8Array): Promise<NodeKey> {
    if (seed.length !== 32) throw new IdentityError('KEY_FILE_CORRUPT', `an Ed25519 seed is 32 bytes, got ${seed.length}`)
    return new NodeKey(await generateKeyPairFromSeed('Ed25519', seed), seed)
  }

  static async generate (): Promise<NodeKey> {
    return NodeKey.fromSeed(new Uint8Array(randomBytes(32)))
  }

  /** Domain-separated signature over a message body (see sign.ts). */
  sign (type: string, body: Uint8Array): Uint8Array {
    return signDomain(this.seed, type, body)
  }

  /**
   * A secret derived from the key for one purpose and context, e.g. the salt of a bid commit:
   * unpredictable to others, and the same after a restart without storing anything.
   */
  deriveSecret (purpose: string, context: Uint8Array): Uint8Array {
    return sha256(utf8(`skymesh/1/secret/${purpose}\u0000`), this.seed, context)
  }

  /** libp2p's protobuf encoding: the key file's content, readable by any libp2p tool. */
  toProtobuf (): Uint8Array {
    return privateKeyToProtobuf(this.privateKey)
  }

  static async fromProtobuf (bytes: Uint8Array): Promise<NodeKey> {
    let key
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new IdentityError('KEY_FILE_CORRUPT', 'the key file is not a libp2p private key', { cause: err })
    }
    if (key.type !== 'Ed25519') throw new IdentityError('KEY_FILE_CORRUPT', `the key file holds a ${key.type} key; skymesh needs Ed25519`)
    // raw = seed (32) || public key (32)
    return NodeKey.fromSeed(key.raw.subarray(0, 32))
  }
}

/** PeerId string of a raw 32-byte Ed25519 public key. */
export function accountIdOf (publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) throw new IdentityError('BAD_PUBLIC_KEY', `an Ed25519 public key is ${PUBLIC_KEY_LENGTH} bytes, got ${publicKey.length}`)
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}

/** Raw Ed25519 public key inside an account id (PeerId string); typed error when it has none. */
export function publicKeyOfAccount (accountId: string): Uint8Array {
  let pid: PeerId
  try {
    pid = peerIdFromString(accountId)
  } catch (err) {
    throw new IdentityError('BAD_ACCOUNT_ID', `not a peer id: ${accountId.slice(0, 80)}`, { cause: err })
  }
  if (pid.type !== 'Ed25519' || pid.publicKey === undefined) throw new IdentityError('BAD_ACCOUNT_ID', `${accountId.slice(0, 80)} is not an Ed25519 peer id`)
  return pid.publicKey.raw
}

export function keyFilePath (dataDir: string): string {
  return join(dataDir, KEY_FILE_NAME)
}

/**
 * Load the key from the data directory. Refuses a key file that anyone but its owner can read
 * or write, as ssh does: a leaked key is a stolen account.
 */
export async function loadKey (dataDir: string): Promise<NodeKey> {
  const path = keyFilePath(dataDir)
  let st
  try {
    st = await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdentityError('KEY_FILE_MISSING', `no key at ${path}; run \`skymesh init --data ${dataDir}\` first`, { details: { path } })
    }
    throw new IdentityError('KEY_FILE_CORRUPT', `cannot read ${path}: ${(err as Error).message}`, { details: { path }, badInput: false })
  }
  if (!st.isFile()) throw new IdentityError('KEY_FILE_CORRUPT', `${path} is not a file`, { details: { path } })
  const mode = st.mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new IdentityError('KEY_FILE_PERMISSIONS', `key file ${path} has mode ${mode.toString(8).padStart(4, '0')}: others can read it; run \`chmod 600 ${path}\``, { details: { path, mode } })
  }
  const bytes = await readFile(path)
  return NodeKey.fromProtobuf(new Uint8Array(bytes))
}

/**
 * Create the key once: an existing key is never replaced (init is idempotent). The file is
 * written under a temporary name with mode 0600, synced, then renamed, so a crash never leaves
 * a half-written key behind.
 */
export async function loadOrCreateKey (dataDir: string): Promise<{ key: NodeKey, created: boolean }> {
  try {
    return { key: await loadKey(dataDir), created: false }
  } catch (err) {
    if (!(err instanceof IdentityError) || err.code !== 'KEY_FILE_MISSING') throw err
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const key = await NodeKey.generate()
  const path = keyFilePath(dataDir)
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const fh = await open(tmp, 'wx', 0o600)
    try {
      await fh.writeFile(key.toProtobuf())
      await fh.sync()
    } finally {
      await fh.close()
    }
    // link() fails if the key exists: of two processes initialising at once, exactly one wins
    // and the other loads the winner's key.
    try {
      await link(tmp, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      return { key: await loadKey(dataDir), created: false }
    }
  } catch (err) {
    if (err instanceof IdentityError) throw err
    throw new IdentityError('KEY_FILE_WRITE', `cannot write ${path}: ${(err as Error).message}`, { details: { path }, badInput: false, cause: err })
  } finally {
    await unlink(tmp).catch(() => {})
  }
  return { key, created: true }
}
