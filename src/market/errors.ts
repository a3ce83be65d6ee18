import { SkymeshError, type ErrorAction, type ErrorDetails } from '../util/errors.js'

/**
 * Every auction rule has a code. REJECT means the message proves its sender faulty (bad
 * signature party, impossible deadlines, a reveal that does not open its commit...); IGNORE
 * means it may be honest but is of no use here (late by our clock, missing context).
 */
export type MarketErrorCode =
  // orders
  | 'ORDER_BAD_WINDOWS'
  | 'ORDER_WINDOW_TOO_LONG'
  | 'ORDER_NO_RESOURCES'
  | 'ORDER_MIXED_DENOMS'
  | 'ORDER_MAX_PRICE_MISMATCH'
  | 'ORDER_EQUIVOCATION'
  | 'ORDER_EXPIRED'
  | 'ORDER_VOID'
  // the local clock: arrived after its window (neither relayed nor acted on)
  | 'ARRIVED_LATE'
  // resource bounds (a flood from one key degrades only that key)
  | 'ORDER_BIDDERS_FULL'
  | 'SIGNER_PARKED_FULL'
  | 'PARKED_FULL'
  | 'TENANT_ORDERS_FULL'
  | 'BOOK_FULL'
  | 'EVIDENCE_FULL'
  // missing context (the message may be fine; fetch what it needs, then retry)
  | 'UNKNOWN_ORDER'
  | 'NOT_SEALED_YET'
  // commits
  | 'COMMIT_LATE'
  | 'COMMIT_BY_TENANT'
  | 'BID_EQUIVOCATION'
  // seals
  | 'SEAL_NOT_TENANT'
  | 'SEAL_TOO_EARLY'
  | 'SEAL_LATE'
  | 'SEAL_NOT_SORTED'
  | 'SEAL_TOO_MANY'
  | 'SEAL_WRONG_ORDER'
  | 'SEAL_COMMIT_LATE'
  | 'SEAL_DUPLICATE_PROVIDER'
  | 'SEAL_EQUIVOCATION'
  | 'SEAL_BAD_SEED'
  | 'SEAL_BAD_COMMIT'
  // reveals
  | 'REVEAL_NOT_SEALED'
  | 'REVEAL_WRONG_ORDER'
  | 'REVEAL_NOT_PROVIDER'
  | 'REVEAL_MISMATCH'
  | 'REVEAL_LATE'
  | 'PRICE_DENOM_MISMATCH'
  | 'PRICE_ABOVE_MAX'
  // awards
  | 'AWARD_NOT_TENANT'
  | 'AWARD_TOO_EARLY'
  | 'AWARD_LATE'
  | 'AWARD_NOT_SORTED'
  | 'AWARD_WRONG_ORDER'
  | 'AWARD_REVEAL_INVALID'
  | 'AWARD_WRONG_WINNER'
  | 'AWARD_EQUIVOCATION'
  // evidence and complaints
  | 'EVIDENCE_MALFORMED'
  | 'EVIDENCE_MISMATCH'
  | 'EVIDENCE_SAME'
  | 'EVIDENCE_WRONG_ORDER'
  | 'EVIDENCE_NOT_TENANT'
  | 'COMPLAINT_NOT_PROVIDER'
  | 'COMPLAINT_UNFOUNDED'
  // leases
  | 'NOT_AWARDED_YET'
  | 'LEASE_NOT_AWARDED'
  | 'LEASE_NOT_PARTY'
  | 'LEASE_ACCEPT_MISMATCH'
  | 'LEASE_CLOSED'

export class MarketError extends SkymeshError<MarketErrorCode> {
  readonly layer = 'market'
  constructor (code: MarketErrorCode, message: string, action: ErrorAction, details: ErrorDetails = {}) {
    super(code, message, { action, details })
  }
}

export const reject = (code: MarketErrorCode, message: string, details?: ErrorDetails): MarketError => new MarketError(code, message, 'REJECT', details)
export const ignore = (code: MarketErrorCode, message: string, details?: ErrorDetails): MarketError => new MarketError(code, message, 'IGNORE', details)

/** Codes that mean "a message this one depends on is missing": keep it, fetch, retry. */
export const MISSING_CONTEXT: ReadonlySet<MarketErrorCode> = new Set(['UNKNOWN_ORDER', 'NOT_SEALED_YET', 'NOT_AWARDED_YET'])
