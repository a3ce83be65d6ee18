import { connectToNode } from '../../api/index.js'
import { printJson, type Command } from '../command.js'
import { duration } from './node-format.js'

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the running node: peer id, roles, addresses, peers, DHT, providers known',
  usage: 'skymesh status [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const client = await connectToNode(args.dataDir)
    const s = await client.get('/status')
    if (args.json) {
      printJson(ctx.io, s)
      return 0
    }
    const lines = [
      `node       ${s.peerId}`,
      `network    ${s.network} (skymesh ${s.version})`,
      `params     ${Object.entries(s.networkParams).filter(([k]) => k !== 'name').map(([k, v]) => `${k}=${String(v)}`).join(' ')}`,
      `roles      ${s.roles.join(', ')}`,
      `uptime     ${duration(s.uptimeMs)} (pid ${s.pid})`,
      `api        ${s.api}`,
      ...s.multiaddrs.map((a, i) => `${i === 0 ? 'listening ' : '          '} ${a}`),
      `peers      ${s.peers} (${s.connections.direct} direct, ${s.connections.relayed} relayed connections)`,
      `dht        ${s.dht.mode}, ${s.dht.routingTable} in routing table`,
      `providers  ${s.providers} known`,
      ...(s.relayReservations !== undefined ? [`relay      ${s.relayReservations} reservations`] : []),
      `mesh       ${Object.entries(s.mesh).map(([t, n]) => `${t.split('/').pop() ?? t} ${n}`).join(', ')}`
    ]
    ctx.io.stdout(lines.join('\n') + '\n')
    return 0
  }
}
