import { createHash } from 'node:crypto'
import type { NetworkConfig } from './defaults.js'

/**
 * The parameters that decide a verdict: two nodes that differ in any of them would judge some
 * message differently, so they must not share a network. Tenant defaults (commit and reveal
 * windows: each order carries its own) are not among them.
 */
export const CONSENSUS_KEYS = [
  'name', 'protocolPrefix', 'blockMs', 'maxClockSkewMs', 'maxBidsPerOrder', 'awardWindowMs', 'maxAwardWindowMs', 'finalityMs', 'maxOrderWindowMs'
] as const satisfies ReadonlyArray<keyof NetworkConfig>

export type ConsensusParams = Pick<NetworkConfig, typeof CONSENSUS_KEYS[number]>

/** Longest network name: the id appends '-' and 16 hex digits and must fit the wire's 64. */
export const MAX_NETWORK_NAME = 47

export function consensusParamsOf (net: ConsensusParams): ConsensusParams {
  return Object.fromEntries(CONSENSUS_KEYS.map((k) => [k, net[k]])) as unknown as ConsensusParams
}

/**
 * `<name>-<first 8 bytes of sha256, hex>` over the consensus parameters in a fixed key order
 * (strings and integers only, so JSON is deterministic here). Every message body and topic
 * carries it, so nodes with different rules never exchange a message.
 */
export function networkIdOf (net: ConsensusParams): string {
  const canonical = JSON.stringify(CONSENSUS_KEYS.map((k) => [k, net[k]]))
  const digest = createHash('sha256').update('skymesh/1/network\u0000').update(canonical).digest('hex')
  return `${net.name}-${digest.slice(0, 16)}`
}
