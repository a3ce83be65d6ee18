/**
 * Typed errors. Every error the product raises on purpose carries a code from a bounded set
 * (so codes can label metrics and tests can assert them) and, for messages from the network,
 * an action: IGNORE drops without penalty, REJECT drops and penalises the sender.
 */
export type ErrorAction = 'IGNORE' | 'REJECT'

export type ErrorDetails = Readonly<Record<string, unknown>>

export abstract class SkymeshError<C extends string = string> extends Error {
  /** Which layer raised it; also the prefix of the JSON error shape. */
  abstract readonly layer: string
  readonly code: C
  readonly details: ErrorDetails
  readonly action: ErrorAction
  /** True when the error is caused by what the user or a peer supplied (CLI exit code 2). */
  readonly badInput: boolean

  constructor (code: C, message: string, opts: { details?: ErrorDetails, action?: ErrorAction, badInput?: boolean, cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.details = opts.details ?? {}
    this.action = opts.action ?? 'REJECT'
    this.badInput = opts.badInput ?? true
  }

  toJSON (): { layer: string, code: C, message: string, action: ErrorAction, details: ErrorDetails } {
    return { layer: this.layer, code: this.code, message: this.message, action: this.action, details: this.details }
  }
}

export type UsageErrorCode = 'UNKNOWN_COMMAND' | 'UNKNOWN_OPTION' | 'MISSING_ARGUMENT' | 'BAD_ARGUMENT'

/** Bad command line: exit code 2. */
export class UsageError extends SkymeshError<UsageErrorCode> {
  readonly layer = 'usage'
}

/** Anything that went wrong at run time that is not the caller's input: exit code 1. */
export type RuntimeErrorCode = 'IO' | 'TIMEOUT' | 'NOT_RUNNING' | 'INTERNAL'
export class RuntimeError extends SkymeshError<RuntimeErrorCode> {
  readonly layer = 'runtime'
  constructor (code: RuntimeErrorCode, message: string, opts: { details?: ErrorDetails, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: 'IGNORE', badInput: false })
  }
}

export function isSkymeshError (err: unknown): err is SkymeshError {
  return err instanceof SkymeshError
}

/** Message of any thrown value, for logs. */
export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
