export { MarketError, MISSING_CONTEXT, type MarketErrorCode } from './errors.js'
export { orderIdOf, commitmentOf, tieBreakOf, leaseIdOf, sortIds, isStrictlySorted } from './ids.js'
export { defaultAuctionParams, auctionParamsFrom, deadlinesOf, awardUntil, type AuctionParams, type Deadlines } from './params.js'
export {
  checkOrder, checkCommit, checkSeal, checkReveal, checkAward, checkEvidence, checkComplaint, checkTimely, pickWinner, beats, bidEligibility, orderTotal,
  orderIdOfMessage, orderKeyOf, sealCommits, awardReveals, evidenceKeyOf,
  type AuctionMessage, type Bid, type Arrival, type EquivocationType, type EvidenceCheck
} from './rules.js'
export { Auction, type Lease, type LeaseState, type Outcome, type Phase, type AddResult, type Conflict, type Omissions, type VoidReason } from './auction.js'
export { OrderBook, defaultOrderBookOptions, type BookResult, type OrderBookOptions } from './order-book.js'
export { makeSealedBid, signReveal, buildSealBody, buildAwardBody, sealSeedOf, sealRankOf, type SealedBid, type SealChoice } from './messages.js'
export { BidEngine, noBidBody, defaultBidEngineOptions, type BidDecision, type BidEngineOptions, type BidEngineModules, type NoBidReason, type StoredBid } from './bid-engine.js'
export { TenantEngine, type TenantEngineOptions } from './tenant.js'
export { parsePricing, priceGroup, defaultPricing, PricingError, MS_PER_MONTH, type PricingConfig, type PricingUnit, type PricingErrorCode } from './pricing.js'
export { decimalToWire, wireToDecimal, orderGroupFromSdl, sdlGroupFromOrder, buildOrderBody, applyMaxPrice, type OrderWindows } from './order-build.js'
