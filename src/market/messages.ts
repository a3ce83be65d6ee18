import { randomBytes } from 'node:crypto'
import type { NodeKey } from '../identity/keys.js'
import { toHex } from '../util/bytes.js'
import { signMessage, type Bodies, type Price, type SignedMessage } from '../wire/index.js'
import { Auction, checkReveal, orderIdOfMessage, pickWinner, type Bid } from './auction.js'
import { MarketError } from './errors.js'
import { commitmentOf, sortIds } from './ids.js'
import type { AuctionParams } from './params.js'

/** A provider's sealed bid: the commit to gossip now and the reveal to keep until the seal. */
export interface SealedBid {
  commit: SignedMessage<'BidCommit'>
  /** body of the reveal, signed when the seal names the commit */
  reveal: Omit<Bodies['BidReveal'], 'createdAt'>
  salt: Uint8Array
  price: Price
}

export function makeSealedBid (key: NodeKey, order: SignedMessage<'Order'>, price: Price, now: number, salt: Uint8Array = new Uint8Array(randomBytes(32))): SealedBid {
  const orderId = orderIdOfMessage(order)
  const commit = signMessage(key, 'BidCommit', {
    net: order.body.net,
    createdAt: now,
    orderId,
    commitment: commitmentOf(orderId, key.publicKey, price, salt)
  })
  return { commit, reveal: { net: order.body.net, orderId, commitId: commit.id, price, salt }, salt, price }
}

export function signReveal (key: NodeKey, bid: SealedBid, now: number): SignedMessage<'BidReveal'> {
  return signMessage(key, 'BidReveal', { ...bid.reveal, createdAt: now })
}

/**
 * The tenant's seal: every valid commit it holds, except providers that equivocated (both of
 * their commits are left out), lowest ids first up to the limit. Deterministic for a given set.
 */
export function buildSealBody (auction: Auction, params: AuctionParams, now: number): Bodies['Seal'] {
  const order = auction.order
  if (order === undefined) throw new Error('buildSealBody: no order')
  const cheaters = new Set(auction.equivocators())
  const ids = sortIds(auction.commitList().filter((c) => !cheaters.has(toHex(c.signer))).map((c) => c.id)).slice(0, params.maxBidsPerOrder)
  return { net: order.body.net, createdAt: now, orderId: orderIdOfMessage(order), commits: ids }
}

/** The tenant's award: every valid reveal it holds for the sealed commits, and the winner by the rules. */
export function buildAwardBody (auction: Auction, params: AuctionParams, now: number): Bodies['Award'] {
  const order = auction.order
  const seal = auction.seal
  if (order === undefined || seal === undefined) throw new Error('buildAwardBody: no order or seal')
  const commits = new Map(auction.commitList().map((c) => [toHex(c.id), c]))
  const bids: Bid[] = []
  for (const r of auction.revealList()) {
    try {
      const c = checkReveal(order, seal, commits, r, params)
      bids.push({ provider: c.signer, commitId: c.id, revealId: r.id, price: r.body.price })
    } catch (err) {
      if (!(err instanceof MarketError)) throw err
    }
  }
  const winner = pickWinner(order, bids)
  return {
    net: order.body.net,
    createdAt: now,
    orderId: orderIdOfMessage(order),
    reveals: sortIds(bids.map((b) => b.revealId)),
    winner: winner?.revealId ?? new Uint8Array(0)
  }
}
