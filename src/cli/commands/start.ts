import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ApiServer, defaultApiServerOptions, loadOrCreateApiToken, parseHostPort } from '../../api/index.js'
import { loadNodeConfig } from '../../config/index.js'
import { parseRoles, type Role } from '../../node/roles.js'
import { SkymeshNode, type SkymeshNodeModules, type SkymeshNodeOptions } from '../../node/runtime.js'
import { UsageError, errorMessage } from '../../util/errors.js'
import { createLogger, type Logger } from '../../util/logger.js'
import { printJson, stringOpt, stringsOpt, type Command, type CommandContext, type OptionSpec, type ParsedArgs } from '../command.js'

/** How long close() may take before the command gives up and exits anyway. */
const STOP_LIMIT_MS = 4_000

export const NODE_OPTIONS: Record<string, OptionSpec> = {
  listen: { type: 'string', multiple: true, valueName: 'MULTIADDR', description: 'listen address, e.g. /ip4/0.0.0.0/tcp/4001, or RELAY-ADDR/p2p-circuit to be reachable only through a relay (default from config: 127.0.0.1, random ports)' },
  bootstrap: { type: 'string', multiple: true, valueName: 'MULTIADDR', description: 'peer to join the mesh through, with its /p2p/<peer id>' },
  api: { type: 'string', valueName: 'HOST:PORT', description: 'local API address (default from config: 127.0.0.1:0, a free port)' }
}

/** Options of the provider role (skymesh provider, and start --role provider). */
export const PROVIDER_OPTIONS: Record<string, OptionSpec> = {
  pricing: { type: 'string', valueName: 'FILE', description: 'pricing file (format: config/pricing.example.yaml; default from config provider.pricing, else built-in prices)' },
  attr: { type: 'string', multiple: true, valueName: 'KEY=VALUE', description: 'operator attribute to announce and match, e.g. region=eu-west (over config provider.attributes)' }
}

/** --attr key=value, as Akash attribute keys and values allow. */
function attributesOf (args: ParsedArgs): Record<string, string> | undefined {
  const list = stringsOpt(args, 'attr')
  if (list.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const a of list) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_.\/-]{0,127})=([^\s=]{0,255})$/.exec(a)
    if (m === null) throw new UsageError('BAD_ARGUMENT', `--attr takes KEY=VALUE (key: letters, digits, _ . / -; value without spaces), got ${JSON.stringify(a.slice(0, 60))}`)
    out[m[1] as string] = m[2] as string
  }
  return out
}

function rolesOf (args: ParsedArgs, fallback: Role[] | undefined): Role[] | undefined {
  const raw = stringsOpt(args, 'role').flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '')
  if (raw.length === 0) return fallback
  const roles = parseRoles(raw)
  if (roles === undefined) throw new UsageError('BAD_ARGUMENT', `--role takes provider, tenant and relay (comma-separated), got ${JSON.stringify(raw.join(',').slice(0, 60))}`)
  return roles
}

/**
 * The built dashboard: dist/dashboard, next to dist/src when running the build, or under dist/
 * when running from the sources (tests). Undefined before `npm run build`.
 */
export function builtDashboardDir (): string | undefined {
  for (const rel of ['../../../dashboard/', '../../../dist/dashboard/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(resolve(dir, 'index.html'))) return dir
  }
  return undefined
}

/** A node and its local API, and node.json written: what `skymesh start` and `skymesh devnet` run. */
export async function launchNode (opts: SkymeshNodeOptions, api: { host: string, port: number }, modules: Partial<SkymeshNodeModules> & { logger: Logger }): Promise<{ node: SkymeshNode, server: ApiServer }> {
  const node = await SkymeshNode.init(opts, modules)
  let server: ApiServer | undefined
  try {
    const token = await loadOrCreateApiToken(opts.dataDir)
    const dashboardDir = builtDashboardDir()
    server = await ApiServer.start({ ...defaultApiServerOptions, ...api, token, ...(dashboardDir !== undefined ? { dashboardDir } : {}) }, { source: node, logger: modules.logger.child({ module: 'api' }) })
    await node.setApiUrl(server.url)
  } catch (err) {
    await server?.close()
    await node.close()
    throw err
  }
  return { node, server }
}

/**
 * Run a node in the foreground until the context's signal fires (Ctrl-C): the libp2p node, then
 * the local API, then node.json. Stops in reverse order.
 */
export async function runNode (args: ParsedArgs, ctx: CommandContext, fixedRoles?: Role[]): Promise<number> {
  const roles = rolesOf(args, fixedRoles)
  const apiArg = stringOpt(args, 'api')
  if (apiArg !== undefined && parseHostPort(apiArg) === undefined) throw new UsageError('BAD_ARGUMENT', `--api takes HOST:PORT, got ${JSON.stringify(apiArg.slice(0, 60))}`)
  const config = await loadNodeConfig(args.dataDir)
  const api = parseHostPort(apiArg ?? config.node.api)
  if (api === undefined) throw new UsageError('BAD_ARGUMENT', `node.api must be HOST:PORT, got ${JSON.stringify(config.node.api)}`)
  const logger = createLogger(config.node.logLevel)
  const pricing = stringOpt(args, 'pricing')
  const attributes = attributesOf(args)
  const provider = (roles ?? config.node.roles).includes('provider')
  if (!provider && (pricing !== undefined || attributes !== undefined)) throw new UsageError('BAD_ARGUMENT', '--pricing and --attr are for the provider role (skymesh provider, or --role provider)')

  const { node, server } = await launchNode({
    dataDir: args.dataDir,
    listen: stringsOpt(args, 'listen'),
    bootstrap: stringsOpt(args, 'bootstrap'),
    ...(roles !== undefined ? { roles } : {}),
    // relative to where the command runs, like any file argument
    ...(pricing !== undefined ? { pricing: resolve(ctx.cwd, pricing) } : {}),
    ...(attributes !== undefined ? { attributes } : {})
  }, api, { logger })

  const info = node.runtimeInfo()
  if (args.json) {
    printJson(ctx.io, { peerId: info.peerId, multiaddrs: info.multiaddrs, api: info.api })
  } else {
    ctx.io.stdout(`skymesh node ${info.peerId}\n`)
    ctx.io.stdout(`  roles:   ${info.roles.join(', ')}\n`)
    ctx.io.stdout(`  network: ${info.network}\n`)
    for (const a of info.multiaddrs) ctx.io.stdout(`  listening on ${a}\n`)
    ctx.io.stdout(`  api:     ${info.api}\n`)
    ctx.io.stdout('Ctrl-C to stop\n')
  }
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve()
    else ctx.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  const stopping = (async () => {
    await server.close()
    await node.close()
  })()
  let timer: ReturnType<typeof setTimeout> | undefined
  const done = await Promise.race([
    stopping.then(() => true, (err: unknown) => { logger.warn('error while stopping', { error: errorMessage(err) }); return true }),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), STOP_LIMIT_MS); timer.unref() })
  ])
  clearTimeout(timer)
  if (!done) logger.warn('node did not stop in time; exiting anyway', { limitMs: STOP_LIMIT_MS })
  if (!args.json) ctx.io.stdout('stopped\n')
  return 0
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run a node in the foreground until Ctrl-C (creates the data directory on first run)',
  usage: 'skymesh start [--role provider,tenant,relay] [--listen MULTIADDR...] [--bootstrap MULTIADDR...] [--api HOST:PORT] [--pricing FILE] [--attr KEY=VALUE...] [--data DIR] [--json]',
  options: {
    role: { type: 'string', multiple: true, valueName: 'ROLES', description: 'roles, comma-separated: provider, tenant, relay (default from config: tenant)' },
    ...NODE_OPTIONS,
    ...PROVIDER_OPTIONS
  },
  positionals: { name: '', min: 0, max: 0 },
  async run (args, ctx) {
    return await runNode(args, ctx)
  }
}
