import type { Command } from '../command.js'
import { idCommand } from './id.js'
import { initCommand } from './init.js'
import { peersCommand } from './peers.js'
import { probeCommand } from './probe.js'
import { sdlCommand } from './sdl.js'
import { providerCommand } from './provider.js'
import { providersCommand } from './providers.js'
import { relayCommand } from './relay.js'
import { startCommand } from './start.js'
import { statusCommand } from './status.js'

/** Every command of the `skymesh` binary, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  idCommand,
  startCommand,
  relayCommand,
  providerCommand,
  statusCommand,
  peersCommand,
  providersCommand,
  probeCommand,
  sdlCommand
]
