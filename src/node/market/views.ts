import { accountIdOf } from '../../identity/index.js'
import { MS_PER_MONTH, wireToDecimal, type Auction, type Lease, type NoBidReason } from '../../market/index.js'
import { formatDecimal } from '../../sdl/decimal.js'
import { equalBytes, toHex } from '../../util/bytes.js'
import { decodeEnvelope, type SignedMessage } from '../../wire/index.js'
import type { BidView, LeaseView, OrderView } from '../views.js'

export interface ViewContext {
  now: number
  blockMs: number
  self: Uint8Array
  noBids: Array<{ provider: string, reasons: NoBidReason[] }>
  myReasons: NoBidReason[] | undefined
  /** tenant side: the provider refused the manifest */
  failure?: { code: string, message: string }
}

/** The JSON view of one order as this node sees it: bids, outcome, lease, omissions, evidence. */
export function orderViewOf (a: Auction, ctx: ViewContext): OrderView | undefined {
  const order = a.order
  const d = a.windows()
  if (order === undefined || d === undefined) return undefined
  const o = a.outcome()
  // a tenant that equivocated has no seal that counts: which copy a node saw first must not
  // show, or nodes that agree on the outcome would show different bidders
  const sealVoid = a.voidByTenant()
  const sealed = new Set(sealVoid ? [] : a.sealedCommits().map((c) => toHex(c.id)))
  const awarded = new Set(a.awardedBids().map((b) => toHex(b.commitId)))
  const reveals = new Map(a.revealList().map((r) => [toHex(r.body.commitId), r]))
  const om = a.omissions()
  const leftCommits = new Set(om.commitsLeftOut)
  const leftReveals = new Set(om.revealsLeftOut)
  const cheaters = new Set(a.equivocators())
  // every commit this node knows: those that came on their own and those only the seal carried
  const commits = new Map(a.commitList().map((c) => [toHex(c.id), c]))
  if (!sealVoid) for (const c of a.sealedCommits()) if (!commits.has(toHex(c.id))) commits.set(toHex(c.id), c)
  const bids: BidView[] = [...commits.values()].map((c) => {
    const id = toHex(c.id)
    const r = reveals.get(id)
    return {
      provider: accountIdOf(c.signer),
      commitId: id,
      sealed: sealed.has(id),
      ...(r !== undefined ? { price: wireToDecimal(r.body.price.amount), revealId: toHex(r.id) } : {}),
      ...(a.award !== undefined ? { awarded: awarded.has(id) } : {}),
      ...(leftCommits.has(id) ? { leftOut: 'commit' as const } : leftReveals.has(id) ? { leftOut: 'reveal' as const } : {}),
      ...(cheaters.has(toHex(c.signer)) ? { equivocated: true } : {})
    }
  })
  return {
    orderId: a.orderIdHex,
    tenant: accountIdOf(order.signer),
    dseq: order.body.dseq,
    gseq: order.body.gseq,
    group: order.body.group.name,
    phase: a.phase(ctx.now),
    maxPrice: { denom: order.body.maxPrice.denom, amount: wireToDecimal(order.body.maxPrice.amount) },
    commitUntil: d.commitUntil,
    revealUntil: d.revealUntil,
    awardUntil: d.awardUntil,
    finalUntil: d.finalUntil,
    final: a.isFinal(ctx.now),
    bids,
    outcome: o.status,
    ...('reason' in o ? { outcomeReason: o.reason } : {}),
    ...(o.status === 'leased' ? { lease: leaseViewOf(a, order, o.lease, ctx) } : {}),
    noBids: ctx.noBids,
    omissions: { commitsLeftOut: om.commitsLeftOut.length, revealsLeftOut: om.revealsLeftOut.length, cheaperLeftOut: om.cheaperLeftOut.length, complaints: om.complaints.length },
    evidence: a.evidenceList().map((e) => evidenceLabel(e)).filter((x): x is string => x !== undefined).sort(),
    ...(ctx.myReasons !== undefined ? { myReasons: ctx.myReasons } : {}),
    mine: equalBytes(order.signer, ctx.self)
  }
}

function evidenceLabel (e: SignedMessage<'Evidence'>): string | undefined {
  // the first envelope's type and signer (both were checked when the evidence was accepted)
  try {
    const first = decodeEnvelope(e.body.first, { verify: false })
    return `${first.type}:${accountIdOf(first.signer)}`
  } catch {
    return undefined
  }
}

export function leaseViewOf (a: Auction, order: SignedMessage<'Order'>, lease: Lease, ctx: Pick<ViewContext, 'now' | 'blockMs' | 'failure'>): LeaseView {
  const blocksPerMonth = MS_PER_MONTH / BigInt(ctx.blockMs)
  const state = lease.state === 'awarded' && a.isFinal(ctx.now) ? 'unaccepted' : lease.state
  return {
    leaseId: lease.leaseId,
    orderId: toHex(lease.orderId),
    tenant: accountIdOf(lease.tenant),
    provider: accountIdOf(lease.provider),
    state,
    denom: lease.price.denom,
    pricePerBlock: wireToDecimal(lease.price.amount),
    pricePerMonth: wireToDecimal(lease.price.amount * blocksPerMonth),
    // wire units are 10^-6 uact = 10^-12 ACT; shown to the micro-ACT, rounded up
    actPerMonth: formatDecimal((lease.price.amount * blocksPerMonth + 999_999n) / 1_000_000n, 6),
    ...(lease.closedBy !== undefined ? { closedBy: lease.closedBy } : {}),
    ...(lease.closeReason !== undefined ? { closeReason: lease.closeReason } : {}),
    // the provider refused to run it: shown until the lease is accepted after all
    ...(ctx.failure !== undefined && lease.state === 'awarded' ? { failure: ctx.failure } : {}),
    resources: order.body.group.resources.map((u) => ({ count: u.count, cpu: u.cpu, memory: u.memory, storage: u.storage.reduce((n, v) => n + v.size, 0), gpu: u.gpu.units }))
  }
}
