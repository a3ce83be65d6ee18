import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultDataDir } from '../config/paths.js'
import { RuntimeError, UsageError, isSkymeshError } from '../util/errors.js'
import { printJson, type Command, type CommandContext, type OptionSpec, type ParsedArgs } from './command.js'
import { COMMANDS } from './commands/index.js'

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show help' },
  json: { type: 'boolean', description: 'machine-readable output (JSON)' },
  data: { type: 'string', valueName: 'DIR', description: 'data directory (default ~/.skymesh, or $SKYMESH_DATA)' }
}

export function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function optionLines (options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`
    return `  ${flag.padEnd(30)} ${o.description}${o.multiple === true ? ' (repeatable)' : ''}`
  })
}

export function mainHelp (): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    'skymesh: a permissionless compute marketplace on a libp2p mesh',
    '',
    'Usage: skymesh <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '  -V, --version                  print the version',
    '',
    'Run `skymesh <command> --help` for a command\'s options.',
    'Exit codes: 0 success, 1 failure, 2 bad usage or bad input.',
    ''
  ].join('\n')
}

export function commandHelp (cmd: Command): string {
  return [
    `Usage: ${cmd.usage}`,
    '',
    cmd.summary,
    '',
    'Options:',
    ...optionLines({ ...cmd.options, ...GLOBAL_OPTIONS }),
    ''
  ].join('\n')
}

function parseCommandArgs (cmd: Command, argv: string[], ctx: CommandContext): ParsedArgs & { help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }> = {}
  for (const [name, o] of Object.entries({ ...GLOBAL_OPTIONS, ...cmd.options })) {
    options[name] = { type: o.type, ...(o.multiple === true ? { multiple: true } : {}), ...(o.short !== undefined ? { short: o.short } : {}) }
  }
  let parsed
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    const code = (err as { code?: string }).code
    throw new UsageError(code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 'UNKNOWN_OPTION' : 'BAD_ARGUMENT', `${cmd.name}: ${(err as Error).message.split('. ')[0]}`)
  }
  const values = parsed.values as ParsedArgs['values']
  const help = values.help === true
  const positionals = parsed.positionals
  if (!help) {
    if (positionals.length < cmd.positionals.min) throw new UsageError('MISSING_ARGUMENT', `${cmd.name}: missing ${cmd.positionals.name}; usage: ${cmd.usage}`)
    if (cmd.positionals.max !== undefined && positionals.length > cmd.positionals.max) throw new UsageError('BAD_ARGUMENT', `${cmd.name}: unexpected argument ${JSON.stringify(positionals[cmd.positionals.max])}; usage: ${cmd.usage}`)
  }
  const data = typeof values.data === 'string' ? values.data : undefined
  if (data === '') throw new UsageError('BAD_ARGUMENT', `${cmd.name}: --data needs a directory`)
  return {
    values,
    positionals,
    json: values.json === true,
    dataDir: data !== undefined ? resolve(ctx.cwd, data) : defaultDataDir(ctx.env, ctx.cwd),
    help
  }
}

/** Runs one CLI invocation in-process and returns its exit code; never throws. */
export async function runCli (argv: string[], ctx: CommandContext): Promise<number> {
  const json = argv.includes('--json')
  try {
    const first = argv[0]
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const target = first === 'help' ? COMMANDS.find((c) => c.name === argv[1]) : undefined
      ctx.io.stdout(target !== undefined ? commandHelp(target) : mainHelp())
      return first === undefined ? 2 : 0
    }
    if (first === '--version' || first === '-V') {
      if (json) printJson(ctx.io, { version: version() })
      else ctx.io.stdout(`skymesh ${version()}\n`)
      return 0
    }
    const cmd = COMMANDS.find((c) => c.name === first)
    if (cmd === undefined) {
      throw new UsageError('UNKNOWN_COMMAND', `unknown command ${JSON.stringify(first.slice(0, 40))}; run \`skymesh --help\` for the list`)
    }
    const args = parseCommandArgs(cmd, argv.slice(1), ctx)
    if (args.help) {
      ctx.io.stdout(commandHelp(cmd))
      return 0
    }
    return await cmd.run(args, ctx)
  } catch (err) {
    return reportError(err, ctx, json)
  }
}

/** Prints an error the user can act on; a stack trace only for our own bugs. */
export function reportError (err: unknown, ctx: CommandContext, json: boolean): number {
  const known = isSkymeshError(err)
  const code = known ? (err.badInput ? 2 : 1) : 1
  if (json) {
    printJson(ctx.io, { ok: false, error: known ? err.toJSON() : new RuntimeError('INTERNAL', String((err as Error)?.message ?? err)).toJSON() })
  } else if (known) {
    ctx.io.stderr(`skymesh: ${err.message}\n`)
  } else {
    ctx.io.stderr(`skymesh: internal error: ${(err as Error)?.stack ?? String(err)}\n`)
  }
  return code
}
