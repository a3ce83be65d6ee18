import { SkymeshError } from '../util/errors.js'

export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_SYNTAX' | 'CONFIG_UNKNOWN_KEY' | 'CONFIG_BAD_VALUE' | 'CONFIG_WRITE'

/** details.key is the dotted path of the offending key, e.g. `network.commitWindowMs`. */
export class ConfigError extends SkymeshError<ConfigErrorCode> {
  readonly layer = 'config'
}
