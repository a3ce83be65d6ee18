import { connectToNode, type OrderView } from '../../api/index.js'
import { UsageError } from '../../util/errors.js'
import { printJson, type Command } from '../command.js'
import { describeOutcome, leaseLines, noLeaseLines } from './market-format.js'
import { shortId, table } from './node-format.js'

function orderDetail (o: OrderView): string[] {
  const lines = [
    `order ${o.orderId}${o.mine ? ' (placed by this node)' : ''}`,
    `  tenant    ${o.tenant}`,
    `  group     ${o.group} (deployment ${o.dseq}, group ${o.gseq})`,
    `  max price ${o.maxPrice.amount} ${o.maxPrice.denom}/block`,
    `  deadlines commit ${new Date(o.commitUntil).toISOString()}, reveal ${new Date(o.revealUntil).toISOString()}`,
    `  phase     ${o.phase}; ${describeOutcome(o)}`
  ]
  if (o.bids.length > 0) {
    lines.push('  bids:')
    for (const b of [...o.bids].sort((x, y) => (x.price === undefined ? 1 : 0) - (y.price === undefined ? 1 : 0) || Number(x.price ?? 0) - Number(y.price ?? 0))) {
      const won = o.lease?.provider === b.provider
      const flags = [won ? '<- winner' : '', b.leftOut === 'commit' ? 'left out of the seal' : '', b.leftOut === 'reveal' ? 'revealed, left out of the award' : '', b.equivocated === true ? 'EQUIVOCATED' : ''].filter((f) => f !== '')
      lines.push(`    ${b.provider}  ${b.price !== undefined ? `${b.price} ${o.maxPrice.denom}/block` : b.sealed ? 'sealed, not revealed' : 'not sealed'}${flags.length > 0 ? `  ${flags.join(', ')}` : ''}`)
    }
  }
  const om = o.omissions
  if (om.commitsLeftOut + om.revealsLeftOut + om.complaints > 0) {
    lines.push(`  omitted   ${om.commitsLeftOut} commit(s) left out of the seal (the tenant's right), ${om.revealsLeftOut} reveal(s) left out of the award` +
      `${om.cheaperLeftOut > 0 ? `, ${om.cheaperLeftOut} of them cheaper than the winner` : ''}${om.complaints > 0 ? `; ${om.complaints} signed complaint(s)` : ''}`)
  }
  if (o.evidence.length > 0) lines.push(`  evidence  ${o.evidence.join(', ')}`)
  if (o.final) lines.push(`  final     since ${new Date(o.finalUntil).toISOString()}`)
  if (o.lease !== undefined) lines.push(...leaseLines(o.lease).map((l) => '  ' + l))
  else if (o.outcome !== 'pending' || o.phase === 'expired') lines.push(...noLeaseLines(o).slice(1))
  else {
    for (const nb of o.noBids) {
      lines.push(`  ${shortId(nb.provider)} did not bid:`)
      for (const r of nb.reasons) lines.push(`    [${r.code}] ${r.message}`)
    }
  }
  return lines
}

export const ordersCommand: Command = {
  name: 'orders',
  summary: 'list the orders the running node knows: phase, bids (prices once revealed), what the tenant left out, outcome, or why providers did not bid',
  usage: 'skymesh orders [ORDER_ID] [--data DIR] [--json]',
  options: {},
  positionals: { name: 'ORDER_ID', min: 0, max: 1 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const id = args.positionals[0]
    if (id !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(id)) throw new UsageError('BAD_ARGUMENT', `an order id is 64 lower-case hex digits, got ${JSON.stringify(id.slice(0, 70))}`)
      const o = await client.order(id)
      if (args.json) printJson(ctx.io, o)
      else ctx.io.stdout(orderDetail(o).join('\n') + '\n')
      return 0
    }
    const { orders } = await client.get('/orders')
    if (args.json) {
      printJson(ctx.io, { orders })
      return 0
    }
    if (orders.length === 0) {
      ctx.io.stdout('no orders seen yet\n')
      return 0
    }
    ctx.io.stdout(table([
      ['ORDER', 'GROUP', 'TENANT', 'PHASE', 'BIDS', 'MAX/BLOCK', 'OMITTED', 'OUTCOME'],
      ...orders.map((o) => [
        o.orderId.slice(0, 16),
        o.group,
        o.mine ? 'this node' : shortId(o.tenant),
        o.phase,
        `${o.bids.filter((b) => b.price !== undefined).length}/${o.bids.length}${o.noBids.length > 0 ? ` (${o.noBids.length} declined)` : ''}`,
        `${o.maxPrice.amount} ${o.maxPrice.denom}`,
        o.omissions.commitsLeftOut + o.omissions.revealsLeftOut === 0 ? '-' : `${o.omissions.commitsLeftOut}c/${o.omissions.revealsLeftOut}r${o.omissions.cheaperLeftOut > 0 ? ` (${o.omissions.cheaperLeftOut} cheaper)` : ''}`,
        o.lease !== undefined ? `lease ${o.lease.state}, ${shortId(o.lease.provider)} at ${o.lease.pricePerBlock}` : describeOutcome(o)
      ])
    ]))
    const unexplained = orders.filter((o) => o.lease === undefined && o.outcome !== 'pending' && o.noBids.length > 0)
    for (const o of unexplained) ctx.io.stdout(noLeaseLines(o).join('\n') + '\n')
    return 0
  }
}
