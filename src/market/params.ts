import type { NetworkConfig } from '../config/index.js'
import { WIRE_LIMITS } from '../wire/index.js'

/**
 * The network parameters every node must share for auctions to agree. They are consensus
 * rules: they come from the network's parameters, whose hash is part of the network id
 * (config/network-id.ts), never from a node's own preferences.
 */
export interface AuctionParams {
  /** allowed difference between signed times and deadlines, and between clocks */
  maxClockSkewMs: number
  /** commits a seal may accept */
  maxBidsPerOrder: number
  /** shortest time after the reveal deadline a tenant may still award (see deadlinesOf) */
  awardWindowMs: number
  /** longest award window, whatever the order's own windows */
  maxAwardWindowMs: number
  /** after the award window: evidence, complaints and LeaseAccept are still taken, then the order is final */
  finalityMs: number
  /** longest an order may run from creation to reveal deadline */
  maxOrderWindowMs: number
}

export const defaultAuctionParams: AuctionParams = {
  maxClockSkewMs: 1000,
  maxBidsPerOrder: 64,
  awardWindowMs: 10_000,
  maxAwardWindowMs: 10 * 60 * 1000,
  finalityMs: 60_000,
  maxOrderWindowMs: 24 * 60 * 60 * 1000
}

export function auctionParamsFrom (net: NetworkConfig): AuctionParams {
  return {
    maxClockSkewMs: net.maxClockSkewMs,
    maxBidsPerOrder: Math.min(net.maxBidsPerOrder, WIRE_LIMITS.maxBidsPerOrder),
    awardWindowMs: net.awardWindowMs,
    maxAwardWindowMs: net.maxAwardWindowMs,
    finalityMs: net.finalityMs,
    maxOrderWindowMs: net.maxOrderWindowMs
  }
}

/** Every deadline of an order, derived from the signed order and the network's parameters alone. */
export interface Deadlines {
  /** providers commit until then */
  commitUntil: number
  /** the tenant seals from commitUntil; providers reveal until then */
  revealUntil: number
  /** the tenant awards from revealUntil until then */
  awardUntil: number
  /** evidence, complaints and LeaseAccept are taken until then; after it the outcome is final */
  finalUntil: number
}

type WindowFields = { commitUntil: number, revealUntil: number }

/**
 * The one place where an order's windows are computed. The award window is five reveal windows
 * (room for a tenant that restarts after sealing), at least awardWindowMs and at most
 * maxAwardWindowMs (so an order cannot hold providers' capacity for days).
 */
export function deadlinesOf (order: WindowFields, p: Pick<AuctionParams, 'awardWindowMs' | 'maxAwardWindowMs' | 'finalityMs'>): Deadlines {
  const award = Math.min(p.maxAwardWindowMs, Math.max(p.awardWindowMs, 5 * (order.revealUntil - order.commitUntil)))
  const awardUntil = order.revealUntil + award
  return { commitUntil: order.commitUntil, revealUntil: order.revealUntil, awardUntil, finalUntil: awardUntil + p.finalityMs }
}

/** The last moment a tenant may award an order (deadlinesOf(...).awardUntil). */
export function awardUntil (order: WindowFields, p: Pick<AuctionParams, 'awardWindowMs' | 'maxAwardWindowMs' | 'finalityMs'>): number {
  return deadlinesOf(order, p).awardUntil
}
