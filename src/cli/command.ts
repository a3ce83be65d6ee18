/**
 * The shape of one CLI command. Each command lives in src/cli/commands/<name>.ts and exports a
 * `Command`; src/cli/commands/index.ts registers them. The CLI factory (src/cli/main.ts) parses
 * arguments with node:util parseArgs, adds the global options and maps errors to exit codes:
 * 0 success, 1 failure, 2 bad usage or bad input (any SkymeshError with badInput).
 */
export interface Io {
  stdout(text: string): void
  stderr(text: string): void
}

export interface CommandContext {
  io: Io
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on the first Ctrl-C; long-running commands stop cleanly when it fires. */
  signal: AbortSignal
}

export interface OptionSpec {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
  /** Shown in --help. */
  description: string
  /** Placeholder in --help, e.g. 'DIR'. */
  valueName?: string
}

export type OptionValue = string | boolean | string[] | boolean[] | undefined

/** What every command receives after parsing; global options are already resolved. */
export interface ParsedArgs {
  values: Record<string, OptionValue>
  positionals: string[]
  /** --json was given: print machine-readable output only. */
  json: boolean
  /** --data DIR, or the default data directory (~/.skymesh). */
  dataDir: string
}

export interface Command {
  name: string
  summary: string
  /** e.g. 'skymesh sdl [--json] FILE [FILE...]' */
  usage: string
  options: Record<string, OptionSpec>
  positionals: { name: string, min: number, max?: number }
  /** Returns the exit code. Throw a SkymeshError for bad input (exit 2) or a RuntimeError (exit 1). */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>
}

/** Print one JSON value per line (bigint as decimal string, bytes as hex). */
export function printJson (io: Io, value: unknown): void {
  io.stdout(JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
    return v
  }) + '\n')
}

export function stringOpt (args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name]
  return typeof v === 'string' ? v : undefined
}

export function stringsOpt (args: ParsedArgs, name: string): string[] {
  const v = args.values[name]
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  return typeof v === 'string' ? [v] : []
}

export function boolOpt (args: ParsedArgs, name: string): boolean {
  return args.values[name] === true
}
