export { MarketError, MISSING_CONTEXT, type MarketErrorCode } from './errors.js'
export { orderIdOf, commitmentOf, tieBreakOf, leaseIdOf, sortIds, isStrictlySorted } from './ids.js'
export { defaultAuctionParams, auctionParamsFrom, type AuctionParams } from './params.js'
export {
  Auction, awardUntil, checkOrder, checkCommit, checkSeal, checkReveal, checkAward, checkTimely, pickWinner, bidEligibility, orderTotal, orderIdOfMessage,
  type AuctionMessage, type Bid, type Lease, type LeaseState, type Outcome, type Phase, type AddResult
} from './auction.js'
export { OrderBook, orderKeyOf, defaultOrderBookOptions, type BookResult, type OrderBookOptions } from './order-book.js'
export { makeSealedBid, signReveal, buildSealBody, buildAwardBody, type SealedBid } from './messages.js'
export { BidEngine, noBidBody, defaultBidEngineOptions, type BidDecision, type BidEngineOptions, type BidEngineModules, type NoBidReason, type StoredBid } from './bid-engine.js'
export { TenantEngine, type TenantEngineOptions } from './tenant.js'
export { parsePricing, priceGroup, defaultPricing, PricingError, MS_PER_MONTH, type PricingConfig, type PricingUnit, type PricingErrorCode } from './pricing.js'
export { decimalToWire, wireToDecimal, orderGroupFromSdl, sdlGroupFromOrder, buildOrderBody, applyMaxPrice, type OrderWindows } from './order-build.js'
