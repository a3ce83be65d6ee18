import { SkymeshNode } from '../../node/runtime.js'
import { printJson, stringsOpt, type Command } from '../command.js'

export const startCommand: Command = {
  name: 'start',
  summary: 'run a node in the foreground until Ctrl-C (creates the data directory on first run)',
  usage: 'skymesh start [--listen MULTIADDR...] [--data DIR] [--json]',
  options: {
    listen: { type: 'string', multiple: true, valueName: 'MULTIADDR', description: 'listen address (default from config: 127.0.0.1, random ports)' }
  },
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const listen = stringsOpt(args, 'listen')
    const node = await SkymeshNode.init(args.dataDir, listen.length > 0 ? { listen } : {})
    const info = node.info()
    if (args.json) {
      printJson(ctx.io, { peerId: info.peerId, multiaddrs: info.multiaddrs })
    } else {
      ctx.io.stdout(`skymesh node ${info.peerId}\n`)
      for (const a of info.multiaddrs) ctx.io.stdout(`  listening on ${a}\n`)
      ctx.io.stdout('Ctrl-C to stop\n')
    }
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve()
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    await node.close()
    if (!args.json) ctx.io.stdout('stopped\n')
    return 0
  }
}
