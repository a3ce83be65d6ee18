import { SkymeshError } from '../util/errors.js'
import type { ErrorDetails } from '../util/errors.js'

/**
 * Errors the hardware layer throws. Probing itself never throws for a missing or broken tool:
 * those become warnings on the probe result. These codes are for bad options and bad input.
 */
export type HardwareErrorCode = 'BAD_PROBE_OPTIONS' | 'BAD_RESERVED_RESOURCES' | 'BAD_HOLD'

export class HardwareError extends SkymeshError<HardwareErrorCode> {
  readonly layer = 'hardware'
  constructor (code: HardwareErrorCode, message: string, opts: { details?: ErrorDetails, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: 'IGNORE', badInput: true })
  }
}
