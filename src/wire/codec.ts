import { decode as cborDecode, encode as cborEncode } from 'cborg'
import { sha256 } from '../identity/hash.js'
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, verifyDomain, type KeyObjectCache } from '../identity/sign.js'
import type { NodeKey } from '../identity/keys.js'
import { equalBytes } from '../util/bytes.js'
import { WireError } from './errors.js'
import { BODY_SCHEMAS, MAX_ENVELOPE_BYTES, WIRE_LIMITS, isMessageType, type Bodies, type MessageType } from './messages.js'
import { readEnvelope, writeEnvelope } from './envelope.js'
import { bytes, str, struct } from './schema.js'

/**
 * Deterministic CBOR (RFC 8949 section 4.2.1): cborg sorts map keys length-first then bytewise,
 * which for text keys is the bytewise order of their encodings, and writes minimal integers.
 * Decoding is strict and every decoded value is re-encoded and compared, so exactly one byte
 * string encodes each message: the message id (sha256 of the envelope) cannot be malleated.
 */
export const STRICT_DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: true,
  useMaps: false,
  rejectDuplicateMapKeys: true
} as const

export function encodeCanonical (value: unknown): Uint8Array {
  return cborEncode(value)
}

function decodeStrict (data: Uint8Array, what: string): unknown {
  let value: unknown
  try {
    value = cborDecode(data, STRICT_DECODE_OPTIONS)
  } catch (err) {
    throw new WireError('MALFORMED_CBOR', `${what} is not valid CBOR: ${(err as Error).message.slice(0, 120)}`, { cause: err })
  }
  let again: Uint8Array
  try {
    again = cborEncode(value)
  } catch (err) {
    throw new WireError('MALFORMED_CBOR', `${what} holds a value that cannot be re-encoded`, { cause: err })
  }
  if (!equalBytes(again, data)) throw new WireError('NON_CANONICAL', `${what} is not in deterministic CBOR encoding`)
  return value
}

/** Validate a body against its type's schema and encode it. Throws WireError on a bad body. */
export function encodeBody<T extends MessageType> (type: T, body: Bodies[T]): Uint8Array {
  const checked = BODY_SCHEMAS[type].parse(body, type)
  return cborEncode(checked)
}

export function decodeBody<T extends MessageType> (type: T, data: Uint8Array): Bodies[T] {
  return BODY_SCHEMAS[type].parse(decodeStrict(data, `${type} body`), type) as Bodies[T]
}

const envelopeSchema = struct({
  type: str(32),
  body: bytes({ min: 1, max: WIRE_LIMITS.maxEnvelopeBytes }),
  signer: bytes(PUBLIC_KEY_LENGTH),
  sig: bytes(SIGNATURE_LENGTH)
})

/** A decoded, signature-checked message. */
export interface SignedMessage<T extends MessageType = MessageType> {
  type: T
  body: Bodies[T]
  /** the body exactly as signed */
  bodyBytes: Uint8Array
  /** raw Ed25519 public key of the signer */
  signer: Uint8Array
  sig: Uint8Array
  /** the envelope bytes as they travel */
  bytes: Uint8Array
  /** message id = sha256(envelope bytes) */
  id: Uint8Array
}

export type AnySignedMessage = { [K in MessageType]: SignedMessage<K> }[MessageType]

export function messageId (envelope: Uint8Array): Uint8Array {
  return sha256(envelope)
}

/** Encode, sign and wrap a body. */
export function signMessage<T extends MessageType> (key: NodeKey, type: T, body: Bodies[T]): SignedMessage<T> {
  const bodyBytes = encodeBody(type, body)
  const sig = key.sign(type, bodyBytes)
  const envelope = writeEnvelope({ type, body: bodyBytes, signer: key.publicKey, sig })
  if (envelope.length > MAX_ENVELOPE_BYTES[type]) {
    throw new WireError('TOO_LARGE', `${type} envelope is ${envelope.length} bytes; the cap is ${MAX_ENVELOPE_BYTES[type]}`, { details: { type, size: envelope.length } })
  }
  return { type, body: BODY_SCHEMAS[type].parse(body, type) as Bodies[T], bodyBytes, signer: key.publicKey, sig, bytes: envelope, id: sha256(envelope) }
}

export interface DecodeOptions {
  /** verify the signature (default true); false only for re-reading our own trusted store */
  verify?: boolean
  keyCache?: KeyObjectCache
}

/**
 * Decode an envelope from untrusted bytes: size caps, strict canonical CBOR, exact shape, body
 * schema, then the signature. Throws only WireError, whatever the input.
 */
export function decodeEnvelope (data: Uint8Array, opts: DecodeOptions = {}): AnySignedMessage {
  if (!(data instanceof Uint8Array)) throw new WireError('MALFORMED_CBOR', 'envelope is not bytes')
  // [REJECT] larger than any message can be
  if (data.length > WIRE_LIMITS.maxEnvelopeBytes) {
    throw new WireError('TOO_LARGE', `envelope is ${data.length} bytes; the cap is ${WIRE_LIMITS.maxEnvelopeBytes}`, { details: { size: data.length } })
  }
  const env = envelopeSchema.parse(readEnvelope(data), 'envelope')
  // [REJECT] a type this protocol version does not have
  if (!isMessageType(env.type)) throw new WireError('UNKNOWN_TYPE', `unknown message type ${JSON.stringify(env.type)}`, { details: { type: env.type } })
  const type = env.type
  // [REJECT] larger than this type may be
  if (data.length > MAX_ENVELOPE_BYTES[type]) {
    throw new WireError('TOO_LARGE', `${type} envelope is ${data.length} bytes; the cap is ${MAX_ENVELOPE_BYTES[type]}`, { details: { type, size: data.length } })
  }
  const body = decodeBody(type, env.body)
  const id = sha256(data)
  // [REJECT] signature does not verify for this signer, type and body
  if (opts.verify !== false && !verified.has(id)) {
    if (!verifyDomain(env.signer, type, env.body, env.sig, opts.keyCache)) {
      throw new WireError('BAD_SIGNATURE', `${type} signature does not verify`, { details: { type } })
    }
    verified.add(id)
  }
  return { type, body, bodyBytes: env.body, signer: env.signer, sig: env.sig, bytes: data, id } as AnySignedMessage
}

/**
 * Ids (sha256 of the whole envelope) of envelopes whose signature verified: a commit that came
 * by gossip and comes again inside a seal is not verified twice. The id covers every byte, so a
 * hit means the very same signed bytes. Bounded; the oldest entry goes first.
 */
class VerifiedIds {
  private readonly ids = new Set<string>()
  constructor (private readonly max: number) {}

  private key (id: Uint8Array): string { return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1') }

  has (id: Uint8Array): boolean { return this.ids.has(this.key(id)) }

  add (id: Uint8Array): void {
    if (this.ids.size >= this.max) {
      const oldest = this.ids.values().next().value
      if (oldest !== undefined) this.ids.delete(oldest)
    }
    this.ids.add(this.key(id))
  }
}

const verified = new VerifiedIds(16_384)

export interface ContextOptions {
  networkId: string
  now: number
  /** messages created further than this in the future are dropped */
  maxClockSkewMs: number
}

/** Checks every message must pass whatever its type: right network, not from the future. */
export function checkContext (msg: AnySignedMessage, ctx: ContextOptions): void {
  // [REJECT] from another network: topics are namespaced, so only a faulty peer sends this
  if (msg.body.net !== ctx.networkId) {
    throw new WireError('WRONG_NETWORK', `message for network ${JSON.stringify(msg.body.net)}, this is ${JSON.stringify(ctx.networkId)}`, { details: { net: msg.body.net } })
  }
  // [IGNORE] created in the future beyond the allowed skew: maybe our clock, maybe theirs
  if (msg.body.createdAt > ctx.now + ctx.maxClockSkewMs) {
    throw new WireError('FROM_FUTURE', `message created ${msg.body.createdAt - ctx.now} ms in the future`, { action: 'IGNORE', details: { createdAt: msg.body.createdAt } })
  }
}
