import { SkymeshError } from '../util/errors.js'

export type IdentityErrorCode =
  | 'KEY_FILE_MISSING'
  | 'KEY_FILE_PERMISSIONS'
  | 'KEY_FILE_CORRUPT'
  | 'KEY_FILE_WRITE'
  | 'BAD_PUBLIC_KEY'
  | 'BAD_ACCOUNT_ID'

export class IdentityError extends SkymeshError<IdentityErrorCode> {
  readonly layer = 'identity'
}
