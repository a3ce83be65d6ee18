import type { Command } from '../command.js'
import { NODE_OPTIONS, PROVIDER_OPTIONS, runNode } from './start.js'

export const providerCommand: Command = {
  name: 'provider',
  summary: 'run a provider node: probes the hardware, announces it and bids on orders it can serve; same as start --role provider',
  usage: 'skymesh provider [--pricing FILE] [--attr KEY=VALUE...] [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--data DIR] [--json]',
  options: { ...NODE_OPTIONS, ...PROVIDER_OPTIONS },
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    return await runNode(args, ctx, ['provider'])
  }
}
