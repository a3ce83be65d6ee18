export { IdentityError, type IdentityErrorCode } from './errors.js'
export { sha256 } from './hash.js'
export { NodeKey, accountIdOf, publicKeyOfAccount, loadKey, loadOrCreateKey, keyFilePath, KEY_FILE_NAME } from './keys.js'
export { signDomain, verifyDomain, verifyDomainNoble, signingBytes, KeyObjectCache, DOMAIN_PREFIX, SIGNATURE_LENGTH, PUBLIC_KEY_LENGTH } from './sign.js'
