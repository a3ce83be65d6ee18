import { connectToNode } from '../../api/index.js'
import { printJson, type Command } from '../command.js'
import { table } from './node-format.js'

export const peersCommand: Command = {
  name: 'peers',
  summary: 'list the running node\'s peers: id, address, direct or relayed, latency, roles, protocols',
  usage: 'skymesh peers [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const { peers } = await client.get('/peers')
    if (args.json) {
      printJson(ctx.io, { peers })
      return 0
    }
    if (peers.length === 0) {
      ctx.io.stdout('no peers\n')
      return 0
    }
    ctx.io.stdout(table([
      ['PEER', 'VIA', 'LATENCY', 'ROLES', 'PROTOCOLS', 'ADDRESS'],
      ...peers.map((p) => [
        p.peerId,
        p.via,
        p.latencyMs === null ? '-' : `${p.latencyMs} ms`,
        p.roles.length > 0 ? p.roles.join(',') : (p.agent ?? '-').slice(0, 30),
        String(p.protocols.length),
        p.addrs[0] ?? '-'
      ])
    ]))
    return 0
  }
}
