import type { Command } from '../command.js'
import { dashboardCommand } from './dashboard.js'
import { deployCommand } from './deploy.js'
import { devnetCommand } from './devnet.js'
import { idCommand } from './id.js'
import { initCommand } from './init.js'
import { leaseCommand, leasesCommand } from './leases.js'
import { ordersCommand } from './orders.js'
import { peersCommand } from './peers.js'
import { probeCommand } from './probe.js'
import { sdlCommand } from './sdl.js'
import { providerCommand } from './provider.js'
import { providersCommand } from './providers.js'
import { relayCommand } from './relay.js'
import { startCommand } from './start.js'
import { statusCommand } from './status.js'
import { tenantsCommand } from './tenants.js'

/** Every command of the `skymesh` binary, in the order --help lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  idCommand,
  startCommand,
  devnetCommand,
  relayCommand,
  providerCommand,
  statusCommand,
  peersCommand,
  providersCommand,
  tenantsCommand,
  dashboardCommand,
  deployCommand,
  ordersCommand,
  leasesCommand,
  leaseCommand,
  probeCommand,
  sdlCommand
]
