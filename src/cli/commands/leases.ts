import { connectToNode } from '../../api/index.js'
import { UsageError } from '../../util/errors.js'
import { printJson, stringOpt, type Command } from '../command.js'
import { leaseLines, resourcesLine } from './market-format.js'
import { shortId, table } from './node-format.js'

export const leasesCommand: Command = {
  name: 'leases',
  summary: 'list the leases the running node knows: provider, state, price per block and per month, resources',
  usage: 'skymesh leases [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { leases } = await client.get('/leases')
    if (args.json) {
      printJson(ctx.io, { leases })
      return 0
    }
    if (leases.length === 0) {
      ctx.io.stdout('no leases\n')
      return 0
    }
    ctx.io.stdout(table([
      ['LEASE', 'TENANT', 'PROVIDER', 'STATE', 'PRICE/BLOCK', 'ACT/MONTH', 'RESOURCES'],
      ...leases.map((l) => [
        `${l.orderId.slice(0, 16)}…`,
        shortId(l.tenant),
        shortId(l.provider),
        l.state,
        `${l.pricePerBlock} ${l.denom}`,
        l.actPerMonth,
        resourcesLine(l)
      ])
    ]))
    return 0
  }
}

export const leaseCommand: Command = {
  name: 'lease',
  summary: 'act on a lease this node is a party to: lease close LEASE_ID signs and gossips a LeaseClose',
  usage: 'skymesh lease close LEASE_ID [--reason TEXT] [--data DIR] [--json]',
  options: {
    reason: { type: 'string', valueName: 'TEXT', description: 'why the lease closes (at most 512 characters; shown to both parties)' }
  },
  positionals: { name: 'close LEASE_ID', min: 2, max: 2 },
  async run (args, ctx) {
    const [action, leaseId] = args.positionals as [string, string]
    if (action !== 'close') throw new UsageError('BAD_ARGUMENT', `lease: unknown action ${JSON.stringify(action.slice(0, 20))}; usage: ${this.usage}`)
    if (!/^[0-9a-f]{64}\/[0-9a-f]{64}$/.test(leaseId)) throw new UsageError('BAD_ARGUMENT', `a lease id is <order id>/<provider key>, 64 hex digits each (skymesh leases --json shows them), got ${JSON.stringify(leaseId.slice(0, 140))}`)
    const reason = stringOpt(args, 'reason') ?? 'closed by the user'
    if (reason.length > 512) throw new UsageError('BAD_ARGUMENT', `--reason is at most 512 characters, got ${reason.length}`)
    const client = await connectToNode(args.dataDir)
    const lease = await client.post('/leases/close', { leaseId, reason })
    if (args.json) printJson(ctx.io, lease)
    else ctx.io.stdout(leaseLines(lease).join('\n') + '\n')
    return 0
  }
}
