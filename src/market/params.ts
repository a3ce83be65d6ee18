import type { NetworkConfig } from '../config/index.js'
import { WIRE_LIMITS } from '../wire/index.js'

/** The network parameters every node must share for auctions to agree. */
export interface AuctionParams {
  /** allowed difference between signed times and deadlines */
  maxClockSkewMs: number
  /** commits a seal may accept */
  maxBidsPerOrder: number
  /** shortest time after the reveal deadline a tenant may still award (see awardUntil) */
  awardWindowMs: number
  /** longest an order may run from creation to reveal deadline */
  maxOrderWindowMs: number
}

export const defaultAuctionParams: AuctionParams = {
  maxClockSkewMs: 1000,
  maxBidsPerOrder: 64,
  awardWindowMs: 10_000,
  maxOrderWindowMs: 24 * 60 * 60 * 1000
}

export function auctionParamsFrom (net: NetworkConfig): AuctionParams {
  return {
    maxClockSkewMs: net.maxClockSkewMs,
    maxBidsPerOrder: Math.min(net.maxBidsPerOrder, WIRE_LIMITS.maxBidsPerOrder),
    // the tenant awards right at the reveal deadline; the window (at least five of the order's
    // reveal windows, see awardUntil) leaves room for a restart: a tenant killed after sealing
    // still awards
    awardWindowMs: defaultAuctionParams.awardWindowMs,
    maxOrderWindowMs: defaultAuctionParams.maxOrderWindowMs
  }
}
