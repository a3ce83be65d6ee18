import { SkymeshError, type ErrorAction, type ErrorDetails } from '../util/errors.js'

export type WireErrorCode =
  | 'TOO_LARGE'
  | 'MALFORMED_CBOR'
  | 'NON_CANONICAL'
  | 'UNKNOWN_TYPE'
  | 'BAD_FIELD'
  | 'BAD_SIGNATURE'
  | 'WRONG_NETWORK'
  | 'FROM_FUTURE'

export class WireError extends SkymeshError<WireErrorCode> {
  readonly layer = 'wire'
  constructor (code: WireErrorCode, message: string, opts: { details?: ErrorDetails, action?: ErrorAction, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: opts.action ?? 'REJECT' })
  }
}
