import { SkymeshError } from '../util/errors.js'
import type { ErrorDetails } from '../util/errors.js'

/**
 * Errors of the workload layer. Two audiences read them:
 * - the tenant (IMAGE_*, PULL_FAILED, INVALID_MANIFEST, LIMIT_EXCEEDED, UNSUPPORTED): the message
 *   says what in their manifest failed and never names provider paths or sockets;
 * - the provider operator (RUNTIME_UNAVAILABLE, RUNTIME_ERROR, NETWORK_UNAVAILABLE,
 *   PORTS_EXHAUSTED, BAD_OPTIONS, TIMEOUT): the message says what to change on the host.
 */
export type WorkloadErrorCode =
  | 'RUNTIME_UNAVAILABLE'
  | 'RUNTIME_ERROR'
  | 'TIMEOUT'
  | 'BAD_OPTIONS'
  | 'INVALID_MANIFEST'
  | 'UNSUPPORTED'
  | 'LIMIT_EXCEEDED'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_NOT_ALLOWED'
  | 'PULL_FAILED'
  | 'PORTS_EXHAUSTED'
  | 'NETWORK_UNAVAILABLE'
  | 'NOT_FOUND'

/** Codes caused by what the tenant's manifest asks for (CLI exit code 2, shown to the tenant). */
const TENANT_CODES: ReadonlySet<WorkloadErrorCode> = new Set<WorkloadErrorCode>([
  'INVALID_MANIFEST', 'UNSUPPORTED', 'LIMIT_EXCEEDED', 'IMAGE_NOT_FOUND', 'IMAGE_NOT_ALLOWED', 'PULL_FAILED', 'NOT_FOUND'
])

export class WorkloadError extends SkymeshError<WorkloadErrorCode> {
  readonly layer = 'workload'
  constructor (code: WorkloadErrorCode, message: string, opts: { details?: ErrorDetails, cause?: unknown } = {}) {
    // Never a network message: nothing to penalise, so IGNORE.
    super(code, message, { ...opts, action: 'IGNORE', badInput: TENANT_CODES.has(code) })
  }
}

export function isWorkloadError (err: unknown, code?: WorkloadErrorCode): err is WorkloadError {
  return err instanceof WorkloadError && (code === undefined || err.code === code)
}
