import { loadKey, keyFilePath } from '../../identity/index.js'
import { toHex } from '../../util/bytes.js'
import { printJson, type Command } from '../command.js'

export const idCommand: Command = {
  name: 'id',
  summary: 'print this node\'s peer id (its market account id)',
  usage: 'skymesh id [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const key = await loadKey(args.dataDir)
    if (args.json) {
      printJson(ctx.io, { peerId: key.accountId, publicKey: toHex(key.publicKey), keyFile: keyFilePath(args.dataDir) })
    } else {
      ctx.io.stdout(`${key.accountId}\n`)
    }
    return 0
  }
}
