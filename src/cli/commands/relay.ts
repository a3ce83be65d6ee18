import type { Command } from '../command.js'
import { NODE_OPTIONS, runNode } from './start.js'

export const relayCommand: Command = {
  name: 'relay',
  summary: 'run a relay node (circuit-relay-v2 server, DHT server, bootstrap for others); same as start --role relay',
  usage: 'skymesh relay [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--data DIR] [--json]',
  options: NODE_OPTIONS,
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    return await runNode(args, ctx, ['relay'])
  }
}
