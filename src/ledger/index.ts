export { LedgerError, isLedgerError, RETRYABLE_ANCHOR_CODES, type LedgerErrorCode } from './errors.js'
export {
  MerkleTree, EMPTY_ROOT, HASH_LENGTH, leafHash, nodeHash, merkleRoot, rootFromInclusionProof, verifyInclusion, verifyInclusionHash, assertInclusion,
  type InclusionProof
} from './merkle.js'
export {
  MAX_AMOUNT, TOKEN_DECIMALS, MICRO_PER_TOKEN, DENOMS, checkAmount, addAmounts, subAmount, parseMicro, parseTokens, formatTokens, parseCoin, formatCoin,
  type Denom, type Coin
} from './money.js'
export {
  aktToBurnForAct, actMintedForAkt, actForAktRedeem, parseOraclePrice, BPS, DEFAULT_PRICE_DECIMALS, DEFAULT_MINT_SPREAD_BPS, DEFAULT_REDEEM_SPREAD_BPS,
  type OraclePrice
} from './bme.js'
export { Batch, type BatchRecord } from './batch.js'
export {
  validateHeader, encodeHeader, decodeHeader, headerHash, headerHashOfBytes, nextHeader, GENESIS_SEQ, ZERO_ROOT, MAX_RECORD_COUNT, MAX_ANCHORER_LENGTH,
  type BatchHeader, type HeaderBody
} from './header.js'
export {
  checkAppend, genesisHead, checkSeqQuery, checkRootQuery, listRange, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT,
  type AnchorBackend, type AnchoredBatch, type AnchorHead, type AppendView, type CallOptions, type ListOptions
} from './anchor.js'
export { SqliteAnchorLog, anchorLink, defaultSqliteAnchorOptions, type SqliteAnchorOptions, type SqliteAnchorModules } from './sqlite-anchor.js'
export { verifyAnchoredRecord } from './verify.js'
