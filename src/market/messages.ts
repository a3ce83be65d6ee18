import { randomBytes } from 'node:crypto'
import { sha256 } from '../identity/hash.js'
import type { NodeKey } from '../identity/keys.js'
import { compareBytes, toHex, utf8 } from '../util/bytes.js'
import { signMessage, type Bodies, type Price, type SignedMessage } from '../wire/index.js'
import type { Auction } from './auction.js'
import { MarketError } from './errors.js'
import { commitmentOf } from './ids.js'
import type { AuctionParams } from './params.js'
import { checkReveal, orderIdOfMessage, pickWinner, type Bid, type Commit } from './rules.js'

/** A provider's sealed bid: the commit to send now and the reveal to keep until the seal. */
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

/** The tenant's seal seed for an order: derived from its key, so a restarted tenant finds it again. */
export function sealSeedOf (key: NodeKey, orderId: Uint8Array): Uint8Array {
  return key.deriveSecret('seal-seed', orderId)
}

const RANK_DOMAIN = utf8('skymesh/1/seal-rank\u0000')

/**
 * A provider's rank for a seal over its cap: sha256(seed, provider). The seed was hidden (only
 * its hash was in the order) while providers committed, so no commit id or key choice can
 * steer which commits the cap keeps.
 */
export function sealRankOf (seed: Uint8Array, provider: Uint8Array): Uint8Array {
  return sha256(RANK_DOMAIN, seed, provider)
}

export interface SealChoice {
  /** providers the tenant leaves out (for example a poor reveal record), by public key hex */
  exclude?: ReadonlySet<string>
}

/**
 * The tenant's seal: every valid commit it holds, except providers that equivocated (both of
 * their commits are left out) and those it chose to exclude; over the cap, the lowest
 * sealRankOf(seed, provider) are kept. Deterministic for a given set.
 */
export function buildSealBody (auction: Auction, params: AuctionParams, now: number, seed: Uint8Array, choice: SealChoice = {}): Bodies['Seal'] {
  const order = auction.order
  if (order === undefined) throw new Error('buildSealBody: no order')
  const cheaters = new Set(auction.equivocators())
  const eligible = auction.commitList().filter((c) => !cheaters.has(toHex(c.signer)) && choice.exclude?.has(toHex(c.signer)) !== true)
  const ranked = eligible.map((c) => ({ c, rank: sealRankOf(seed, c.signer) })).sort((a, b) => compareBytes(a.rank, b.rank))
  const kept: Commit[] = ranked.slice(0, params.maxBidsPerOrder).map((x) => x.c).sort((a, b) => compareBytes(a.id, b.id))
  return { net: order.body.net, createdAt: now, orderId: orderIdOfMessage(order), seed, commits: kept.map((c) => c.bytes) }
}

/**
 * The tenant's award: every valid reveal it holds for the sealed commits (one per commit),
 * except providers proven to equivocate, and the winner by the rules.
 */
export function buildAwardBody (auction: Auction, params: AuctionParams, now: number): Bodies['Award'] {
  const order = auction.order
  if (order === undefined || auction.seal === undefined) throw new Error('buildAwardBody: no order or seal')
  const sealed = new Map(auction.sealedCommits().map((c) => [toHex(c.id), c]))
  const cheaters = new Set(auction.equivocators())
  const bids: Array<Bid & { bytes: Uint8Array }> = []
  for (const r of auction.revealList()) {
    try {
      const c = checkReveal(order, sealed, r, params)
      if (cheaters.has(toHex(c.signer))) continue
      bids.push({ provider: c.signer, commitId: c.id, revealId: r.id, price: r.body.price, bytes: r.bytes })
    } catch (err) {
      if (!(err instanceof MarketError)) throw err
    }
  }
  bids.sort((a, b) => compareBytes(a.commitId, b.commitId))
  const winner = pickWinner(order, bids)
  return {
    net: order.body.net,
    createdAt: now,
    orderId: orderIdOfMessage(order),
    reveals: bids.map((b) => b.bytes),
    winner: winner?.commitId ?? new Uint8Array(0)
  }
}
