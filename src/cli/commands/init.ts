import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { CONFIG_FILE_NAME, INITIAL_CONFIG_TEXT, writeFileAtomic } from '../../config/index.js'
import { loadNodeConfig } from '../../config/load.js'
import { keyFilePath, loadOrCreateKey } from '../../identity/index.js'
import { printJson, type Command } from '../command.js'

export const initCommand: Command = {
  name: 'init',
  summary: 'create the data directory, the node key (mode 0600) and a config file; safe to run again',
  usage: 'skymesh init [--data DIR] [--json]',
  options: {},
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    const { key, created } = await loadOrCreateKey(args.dataDir)
    const configFile = join(args.dataDir, CONFIG_FILE_NAME)
    let configCreated = false
    const exists = await stat(configFile).then(() => true, () => false)
    if (!exists) {
      await writeFileAtomic(configFile, INITIAL_CONFIG_TEXT)
      configCreated = true
    }
    // A config that does not load is reported now, not when the node starts.
    await loadNodeConfig(args.dataDir)
    const result = { peerId: key.accountId, dataDir: args.dataDir, keyFile: keyFilePath(args.dataDir), configFile, created, configCreated }
    if (args.json) {
      printJson(ctx.io, result)
    } else {
      ctx.io.stdout(`${created ? 'created' : 'already initialised'}: ${args.dataDir}\n`)
      ctx.io.stdout(`peer id: ${key.accountId}\n`)
      if (configCreated) ctx.io.stdout(`config:  ${configFile}\n`)
    }
    return 0
  }
}
