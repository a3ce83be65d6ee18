import { connectToNode } from '../../api/index.js'
import { printJson, type Command } from '../command.js'
import { table } from './node-format.js'

export const tenantsCommand: Command = {
  name: 'tenants',
  summary: 'list the tenants the running node counted in final orders: commits and reveals they left out, equivocations',
  usage: 'skymesh tenants [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { tenants } = await client.get('/tenants')
    if (args.json) {
      printJson(ctx.io, { tenants })
      return 0
    }
    if (tenants.length === 0) {
      ctx.io.stdout('no final orders counted yet\n')
      return 0
    }
    ctx.io.stdout(table([
      ['TENANT', 'ORDERS', 'COMMITS LEFT OUT', 'REVEALS LEFT OUT', 'CHEAPER LEFT OUT', 'EQUIVOCATIONS'],
      ...tenants.map((t) => [t.tenant, String(t.orders), String(t.commitsLeftOut), String(t.revealsLeftOut), String(t.cheaperLeftOut), String(t.equivocations)])
    ]))
    ctx.io.stdout('Leaving commits out of a seal is the tenant\'s right (it cannot know prices then); leaving a cheaper reveal out of an award is not.\n')
    return 0
  }
}
