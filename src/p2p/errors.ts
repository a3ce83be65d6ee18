import { SkymeshError, type ErrorAction, type ErrorDetails } from '../util/errors.js'

/**
 * Errors of the mesh layer. Validation codes carry an action (IGNORE drops, REJECT drops and
 * costs the sender gossip score); the others are our own failures and never reach a peer's score.
 */
export type P2pErrorCode =
  | 'UNKNOWN_TOPIC'
  | 'WRONG_TOPIC'
  | 'STALE_ANNOUNCE'
  | 'BAD_ANNOUNCE'
  | 'BAD_RECORD'
  | 'RECORD_SIGNER_MISMATCH'
  | 'PUBLISH_FAILED'
  | 'BAD_MULTIADDR'

export class P2pError extends SkymeshError<P2pErrorCode> {
  readonly layer = 'p2p'
  constructor (code: P2pErrorCode, message: string, opts: { details?: ErrorDetails, action?: ErrorAction, badInput?: boolean, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: opts.action ?? 'REJECT' })
  }
}
