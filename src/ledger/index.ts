export { LedgerError, isLedgerError, RETRYABLE_ANCHOR_CODES, type LedgerErrorCode } from './errors.js'
export {
  MerkleTree, EMPTY_ROOT, HASH_LENGTH, leafHash, nodeHash, merkleRoot, rootFromInclusionProof, verifyInclusion, verifyInclusionHash, assertInclusion,
  type InclusionProof
} from './merkle.js'
