import type { LeaseView, OrderView } from '../../api/index.js'
import { bytes, shortId } from './node-format.js'

/** Human lines for the market commands (deploy, orders, leases). */

export function resourcesLine (l: Pick<LeaseView, 'resources'>): string {
  return l.resources.map((r) => {
    const parts = [`${r.cpu / 1000} cpu`, bytes(r.memory)]
    if (r.storage > 0) parts.push(`${bytes(r.storage)} storage`)
    if (r.gpu > 0) parts.push(`${r.gpu} gpu`)
    return `${r.count} x (${parts.join(', ')})`
  }).join(' + ')
}

export function leaseLines (l: LeaseView): string[] {
  return [
    `lease ${l.leaseId}`,
    `  provider  ${l.provider}`,
    `  state     ${l.state}${l.closedBy !== undefined ? ` (closed by the ${l.closedBy}${l.closeReason !== undefined && l.closeReason !== '' ? `: ${l.closeReason}` : ''})` : ''}`,
    `  price     ${l.pricePerBlock} ${l.denom}/block = ${l.actPerMonth} ACT/month`,
    `  resources ${resourcesLine(l)}`
  ]
}

/** Why an order ended without a lease, with every provider's published reasons. */
export function noLeaseLines (o: OrderView): string[] {
  const lines = [`order ${o.orderId} (group ${o.group}): no lease: ${describeOutcome(o)}`]
  if (o.noBids.length === 0 && o.bids.length === 0) lines.push('  no provider bid and none published a reason (no provider saw the order, or none is online)')
  for (const nb of o.noBids) {
    lines.push(`  ${shortId(nb.provider)} did not bid:`)
    for (const r of nb.reasons) lines.push(`    [${r.code}] ${r.message}`)
  }
  if (o.myReasons !== undefined && o.myReasons.length > 0) {
    lines.push('  this node did not bid:')
    for (const r of o.myReasons) lines.push(`    [${r.code}] ${r.message}`)
  }
  return lines
}

export function describeOutcome (o: OrderView): string {
  switch (o.outcome) {
    case 'leased': return 'leased'
    case 'no-lease': {
      const sealed = o.bids.filter((b) => b.sealed).length
      const revealed = o.bids.filter((b) => b.price !== undefined).length
      return sealed === 0 ? 'awarded to nobody: no provider bid in time' : `awarded to nobody: ${revealed} of ${sealed} sealed bids revealed, none valid at or under the maximum price`
    }
    case 'void': return o.outcomeReason === 'WINNER_EQUIVOCATION'
      ? 'void: the winning provider signed two different commits (evidence held)'
      : `void: the tenant signed two different ${o.evidence.map((e) => e.split(':')[0] ?? '').filter((t) => t !== 'BidCommit' && t !== '').map((t) => `${t.toLowerCase()}s`).join(' and ') || 'messages'} for this order (evidence held)`
    default:
      if (o.phase === 'expired') return o.outcomeReason === 'NO_SEAL' ? 'expired: the tenant did not seal in time' : 'expired: the tenant did not award in time'
      return `pending (${o.phase})`
  }
}

/** One progress line for an order, from what changed since `prev`. Undefined when nothing did. */
export function progressLine (o: OrderView, prev: OrderView | undefined, now: number): string | undefined {
  const revealed = o.bids.filter((b) => b.price !== undefined).length
  const sealed = o.bids.filter((b) => b.sealed).length
  const key = (v: OrderView | undefined): string => v === undefined ? '' : `${v.phase}|${v.bids.length}|${v.bids.filter((b) => b.sealed).length}|${v.bids.filter((b) => b.price !== undefined).length}|${v.noBids.length}|${v.outcome}|${v.lease?.state ?? ''}`
  if (key(o) === key(prev)) return undefined
  const head = `order ${o.orderId.slice(0, 12)}… ${o.group}:`
  if (o.lease !== undefined) {
    return o.lease.state === 'awarded'
      ? `${head} awarded to ${shortId(o.lease.provider)} at ${o.lease.pricePerBlock} ${o.lease.denom}/block; sending the manifest`
      : `${head} lease ${o.lease.state} with ${shortId(o.lease.provider)}`
  }
  if (o.outcome !== 'pending') return `${head} ${describeOutcome(o)}`
  switch (o.phase) {
    case 'commit': return `${head} bidding, ${o.bids.length} bid${o.bids.length === 1 ? '' : 's'} committed, ${o.noBids.length} provider${o.noBids.length === 1 ? '' : 's'} declined (commit window closes in ${Math.max(0, Math.ceil((o.commitUntil - now) / 1000))} s)`
    case 'sealing': return `${head} commit window closed with ${o.bids.length} bid${o.bids.length === 1 ? '' : 's'}; sealing`
    case 'reveal': return `${head} sealed ${sealed} bid${sealed === 1 ? '' : 's'}; ${revealed} revealed`
    case 'awarding': return `${head} ${revealed} of ${sealed} bids revealed; awarding`
    default: return `${head} ${o.phase}`
  }
}
