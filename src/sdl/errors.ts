import { SkymeshError } from '../util/errors.js'

/**
 * Why an SDL file was rejected. A bounded set so tests and metrics can key on it; the
 * human-readable detail lives in the message and in `details.expected`.
 */
export type SdlErrorCode =
  | 'INPUT_TOO_LARGE'
  | 'YAML_SYNTAX'
  | 'NOT_A_MAPPING'
  | 'WRONG_TYPE'
  | 'MISSING_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'MISSING_FIELD'
  | 'UNKNOWN_FIELD'
  | 'DUPLICATE_KEY'
  | 'DUPLICATE'
  | 'INVALID_VALUE'
  | 'INVALID_NAME'
  | 'INVALID_UNIT'
  | 'LIMIT_EXCEEDED'
  | 'UNKNOWN_REFERENCE'
  | 'UNUSED_ENDPOINT'
  | 'CONFLICT'
  | 'NO_GLOBAL_SERVICE'

export interface SdlErrorDetails {
  /** Dotted YAML path, e.g. `profiles.compute.web.resources.cpu.units`; '' for the document. */
  path: string
  /** 1-based; undefined when the YAML has no position for it (e.g. a missing document). */
  line?: number
  column?: number
  /** What would have been accepted. */
  expected?: string
}

export class SdlError extends SkymeshError<SdlErrorCode> {
  readonly layer = 'sdl'
  readonly path: string
  readonly line: number | undefined
  readonly column: number | undefined
  readonly expected: string | undefined

  constructor (code: SdlErrorCode, message: string, details: SdlErrorDetails) {
    super(code, message, { details: { ...details }, badInput: true, action: 'REJECT' })
    this.path = details.path
    this.line = details.line
    this.column = details.column
    this.expected = details.expected
  }
}

export type SdlWarningCode =
  | 'IGNORED_KEY'
  | 'PERSISTENT_WITHOUT_MOUNT'
  | 'FRACTION_TRUNCATED'
  | 'SCHEMA_ONLY'
  | 'UNUSUAL_DENOM'
  | 'NON_GO_UNIT'

/** Something Akash's Go parser accepts silently but a tenant probably did not mean. */
export interface SdlWarning {
  code: SdlWarningCode
  path: string
  line?: number
  column?: number
  message: string
}

export function isSdlError (err: unknown): err is SdlError {
  return err instanceof SdlError
}
