import type { Command } from '../command.js'
import { idCommand } from './id.js'
import { initCommand } from './init.js'
import { probeCommand } from './probe.js'
import { sdlCommand } from './sdl.js'
import { startCommand } from './start.js'

/** Every command of the `skymesh` binary, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  idCommand,
  startCommand,
  probeCommand,
  sdlCommand
]
