/**
 * Batch headers: what gets anchored. One header per batch, linked to the previous batch by its
 * Merkle root; `seq` numbers them from 1.
 *
 * Genesis convention: before the first batch the head is seq 0 with root = 32 zero bytes
 * (ZERO_ROOT). So batch 1 has prevRoot = ZERO_ROOT, and no real root can be mistaken for the
 * genesis (a sha256 output of all zeros is not a practical possibility).
 *
 * Encoding: deterministic CBOR (RFC 8949 section 4.2.1, as src/wire writes it with cborg): a
 * map of the eight fields, keys sorted length-first, minimal integers, money as integer
 * micro-units (bigint in memory), no floats. Decoding is strict and re-encodes to compare, so
 * one header has exactly one byte string, and the header hash cannot be malleated:
 *   headerHash = sha256(utf8("skymesh/1/batch-header") || 0x00 || encoding)
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg'
import { sha256 } from '../identity/hash.js'
import { equalBytes, utf8 } from '../util/bytes.js'
import { LedgerError } from './errors.js'
import { HASH_LENGTH } from './merkle.js'
import { MAX_AMOUNT } from './money.js'
import { STRICT_DECODE_OPTIONS } from '../wire/index.js'

export interface BatchHeader {
  /** 1 for the first batch, then +1 */
  seq: number
  /** root of batch seq - 1; ZERO_ROOT for seq 1 */
  prevRoot: Uint8Array
  /** RFC 6962 root of this batch's records, sorted by id */
  root: Uint8Array
  /** leaves under root: a proof is only valid at this tree size */
  recordCount: number
  /** AKT burned by this batch's burn records, in uakt */
  aktBurned: bigint
  /** ACT minted by this batch's mint records, in uact */
  actMinted: bigint
  /** account id (PeerId string) of the node that built and anchored the batch */
  anchorer: string
  /** when the anchorer built the batch, ms since the epoch, by its clock */
  time: number
}

/** The fields an anchorer chooses; seq and prevRoot come from the head it builds on. */
export type HeaderBody = Omit<BatchHeader, 'seq' | 'prevRoot'>

export const GENESIS_SEQ = 0
/** The genesis root (seq 0): 32 zero bytes. Treat as read-only. */
export const ZERO_ROOT: Uint8Array = new Uint8Array(HASH_LENGTH)
/** Proof indexes and sizes stay within a uint32, which an EVM contract and every language hold cheaply. */
export const MAX_RECORD_COUNT = 0xffff_ffff
/** A PeerId string is 52 characters (Ed25519); room for other account formats. */
export const MAX_ANCHORER_LENGTH = 128

const HEADER_DOMAIN = utf8('skymesh/1/batch-header\u0000')
const KEYS = ['seq', 'prevRoot', 'root', 'recordCount', 'aktBurned', 'actMinted', 'anchorer', 'time'] as const

// the wire's strict deterministic-CBOR reading: one encoding per header
const DECODE_OPTIONS = STRICT_DECODE_OPTIONS

function bad (message: string, field?: string): LedgerError {
  return new LedgerError('ANCHOR_BAD_HEADER', message, { details: field === undefined ? {} : { field } })
}

function uint (v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw bad(`${field} must be an integer in [${min}, ${max}]`, field)
  return v
}

function hash32 (v: unknown, field: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== HASH_LENGTH) throw bad(`${field} must be ${HASH_LENGTH} bytes`, field)
  return new Uint8Array(v)
}

function money (v: unknown, field: string): bigint {
  if (typeof v !== 'bigint') throw bad(`${field} must be integer micro-units (bigint)`, field)
  if (v < 0n || v > MAX_AMOUNT) throw bad(`${field} must be in [0, ${MAX_AMOUNT}]`, field)
  return v
}

/** Checks every field and returns a copy that shares no buffers with the input. */
export function validateHeader (h: unknown): BatchHeader {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw bad('a header is an object')
  const o = h as Record<string, unknown>
  for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) throw bad(`unknown header field ${JSON.stringify(k)}`, k)
  const header: BatchHeader = {
    seq: uint(o.seq, 'seq', GENESIS_SEQ + 1, Number.MAX_SAFE_INTEGER),
    prevRoot: hash32(o.prevRoot, 'prevRoot'),
    root: hash32(o.root, 'root'),
    // an empty batch would spend a chain write on nothing, and every empty batch has the same root
    recordCount: uint(o.recordCount, 'recordCount', 1, MAX_RECORD_COUNT),
    aktBurned: money(o.aktBurned, 'aktBurned'),
    actMinted: money(o.actMinted, 'actMinted'),
    anchorer: '',
    time: uint(o.time, 'time', 0, Number.MAX_SAFE_INTEGER)
  }
  if (typeof o.anchorer !== 'string' || o.anchorer.length === 0 || o.anchorer.length > MAX_ANCHORER_LENGTH) {
    throw bad(`anchorer must be an account id of 1 to ${MAX_ANCHORER_LENGTH} characters`, 'anchorer')
  }
  header.anchorer = o.anchorer
  if (equalBytes(header.root, ZERO_ROOT)) throw bad('root is the genesis root', 'root')
  if (equalBytes(header.root, header.prevRoot)) throw bad('a batch cannot be its own parent (root = prevRoot)', 'root')
  if (header.seq === GENESIS_SEQ + 1 && !equalBytes(header.prevRoot, ZERO_ROOT)) throw bad('batch 1 has the genesis root (32 zero bytes) as prevRoot', 'prevRoot')
  return header
}

export function encodeHeader (h: BatchHeader): Uint8Array {
  const v = validateHeader(h)
  return cborEncode({
    seq: v.seq, prevRoot: v.prevRoot, root: v.root, recordCount: v.recordCount, aktBurned: v.aktBurned, actMinted: v.actMinted, anchorer: v.anchorer, time: v.time
  })
}

/** Strict inverse of encodeHeader: any other byte string is ANCHOR_BAD_HEADER. */
export function decodeHeader (bytes: Uint8Array): BatchHeader {
  let raw: unknown
  try {
    raw = cborDecode(bytes, DECODE_OPTIONS)
  } catch (err) {
    throw new LedgerError('ANCHOR_BAD_HEADER', `a header is not valid CBOR: ${(err as Error).message.slice(0, 120)}`, { cause: err })
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('a header is a CBOR map')
  const o = { ...(raw as Record<string, unknown>) }
  // cborg hands back small integers as numbers; money is bigint in memory whatever its size
  for (const k of ['aktBurned', 'actMinted']) if (typeof o[k] === 'number' && Number.isSafeInteger(o[k])) o[k] = BigInt(o[k] as number)
  const header = validateHeader(o)
  if (!equalBytes(encodeHeader(header), bytes)) throw bad('a header is not in deterministic CBOR encoding')
  return header
}

/** sha256 over the domain and the canonical encoding: the header's identity in every backend. */
export function headerHash (h: BatchHeader): Uint8Array {
  return sha256(HEADER_DOMAIN, encodeHeader(h))
}

/** Hash of an already encoded header (e.g. as stored), without decoding it. */
export function headerHashOfBytes (encoded: Uint8Array): Uint8Array {
  return sha256(HEADER_DOMAIN, encoded)
}

/** The header of the batch that extends `head` (seq + 1, prevRoot = head's root). */
export function nextHeader (head: { seq: number, root: Uint8Array }, body: HeaderBody): BatchHeader {
  return validateHeader({ ...body, seq: head.seq + 1, prevRoot: head.root })
}
