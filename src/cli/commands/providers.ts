import { connectToNode } from '../../api/index.js'
import { printJson, type Command } from '../command.js'
import { bytes, duration, table } from './node-format.js'

export const providersCommand: Command = {
  name: 'providers',
  summary: 'list the providers the running node knows: latest signed announce of each, and sealed commits never revealed',
  usage: 'skymesh providers [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { providers } = await client.get('/providers')
    if (args.json) {
      printJson(ctx.io, { providers })
      return 0
    }
    if (providers.length === 0) {
      ctx.io.stdout('no providers known yet\n')
      return 0
    }
    const now = Date.now()
    ctx.io.stdout(table([
      ['PROVIDER', 'CPU', 'MEMORY', 'GPUS', 'UNREVEALED', 'ANNOUNCED', 'FROM', 'ADDRESS'],
      ...providers.map((p) => [
        p.peerId,
        `${(p.available.cpu / 1000).toFixed(1)}/${(p.total.cpu / 1000).toFixed(1)}`,
        `${bytes(p.available.memory)}/${bytes(p.total.memory)}`,
        p.total.gpus.length === 0 ? '-' : p.total.gpus.map((g) => `${g.units}x ${g.vendor} ${g.model}${g.ram !== '' ? ` ${g.ram}` : ''}`).join(', '),
        `${p.reputation.unrevealed}/${p.reputation.sealed}${p.reputation.equivocations > 0 ? ` (${p.reputation.equivocations} equivocations)` : ''}`,
        `${duration(now - p.createdAt)} ago`,
        p.source,
        p.addrs[0] ?? '-'
      ])
    ]))
    return 0
  }
}
