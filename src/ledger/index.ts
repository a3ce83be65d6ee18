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
