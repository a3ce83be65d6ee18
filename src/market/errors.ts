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
  // missing context (the message may be fine; fetch what it needs, then retry)
  | 'UNKNOWN_ORDER'
  | 'UNKNOWN_COMMIT'
  | 'UNKNOWN_REVEAL'
  | 'NOT_SEALED_YET'
  // commits
  | 'COMMIT_LATE'
  | 'COMMIT_BY_TENANT'
  | 'BID_EQUIVOCATION'
  | 'TOO_MANY_BIDS'
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
  // reveals
  | 'REVEAL_NOT_SEALED'
  | 'REVEAL_WRONG_ORDER'
  | 'REVEAL_NOT_PROVIDER'
  | 'REVEAL_MISMATCH'
  | 'REVEAL_LATE'
  | 'REVEAL_DUPLICATE'
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
export const MISSING_CONTEXT: ReadonlySet<MarketErrorCode> = new Set(['UNKNOWN_ORDER', 'UNKNOWN_COMMIT', 'UNKNOWN_REVEAL', 'NOT_SEALED_YET', 'NOT_AWARDED_YET'])
