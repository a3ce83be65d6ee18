import { SkymeshError, type ErrorAction, type ErrorDetails } from '../util/errors.js'

/**
 * Every refusal of the ledger has a code. Anchor conflicts are IGNORE and not bad input: they
 * come from racing another appender (or a stale view), not from a faulty peer. A proof that does
 * not verify, a malformed header or a bad amount is REJECT: whoever sent it sent something false.
 */
export type LedgerErrorCode =
  // Merkle trees and batches
  | 'BATCH_EMPTY'
  | 'BATCH_DUPLICATE_ID'
  | 'MERKLE_BAD_INDEX'
  | 'MERKLE_BAD_LEAF'
  | 'PROOF_INVALID'
  | 'ROOT_NOT_ANCHORED'
  // anchoring
  | 'ANCHOR_BAD_HEADER'
  | 'ANCHOR_NOT_HEAD'
  | 'ANCHOR_DUPLICATE'
  | 'ANCHOR_FORK'
  | 'ANCHOR_CORRUPT'
  | 'ANCHOR_BAD_QUERY'
  | 'ANCHOR_BUSY'
  | 'ANCHOR_CLOSED'
  | 'ANCHOR_OPEN'
  | 'ANCHOR_VERSION'
  | 'ANCHOR_IO'
  // money
  | 'AMOUNT_MALFORMED'
  | 'AMOUNT_NEGATIVE'
  | 'AMOUNT_FRACTIONAL'
  | 'AMOUNT_OVERFLOW'
  | 'PRICE_INVALID'
  | 'SPREAD_INVALID'

/** Codes that mean "the log moved or was busy, not that you were wrong": read the head again, rebuild, retry. */
export const RETRYABLE_ANCHOR_CODES: ReadonlySet<LedgerErrorCode> = new Set(['ANCHOR_NOT_HEAD', 'ANCHOR_BUSY'])

/** Codes a caller can do nothing about by itself: the storage, not the request, is at fault. */
const NOT_BAD_INPUT: ReadonlySet<LedgerErrorCode> = new Set([
  'ANCHOR_NOT_HEAD', 'ANCHOR_CORRUPT', 'ANCHOR_BUSY', 'ANCHOR_CLOSED', 'ANCHOR_OPEN', 'ANCHOR_VERSION', 'ANCHOR_IO'
])
const IGNORED: ReadonlySet<LedgerErrorCode> = new Set([
  'ANCHOR_NOT_HEAD', 'ANCHOR_DUPLICATE', 'ROOT_NOT_ANCHORED', 'ANCHOR_CORRUPT', 'ANCHOR_BUSY', 'ANCHOR_CLOSED', 'ANCHOR_OPEN', 'ANCHOR_VERSION', 'ANCHOR_IO'
])

export class LedgerError extends SkymeshError<LedgerErrorCode> {
  readonly layer = 'ledger'
  constructor (code: LedgerErrorCode, message: string, opts: { details?: ErrorDetails, action?: ErrorAction, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: opts.action ?? (IGNORED.has(code) ? 'IGNORE' : 'REJECT'), badInput: !NOT_BAD_INPUT.has(code) })
  }
}

export function isLedgerError (err: unknown, code?: LedgerErrorCode): err is LedgerError {
  return err instanceof LedgerError && (code === undefined || err.code === code)
}
