import type { Command } from '../command.js'
import { NODE_OPTIONS, runNode } from './start.js'

export const providerCommand: Command = {
  name: 'provider',
  summary: 'run a provider node: probes the hardware and announces it; same as start --role provider',
  usage: 'skymesh provider [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--data DIR] [--json]',
  options: NODE_OPTIONS,
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    return await runNode(args, ctx, ['provider'])
  }
}
