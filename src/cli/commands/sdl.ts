import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { printJson } from '../command.js'
import type { Command, CommandContext, ParsedArgs } from '../command.js'
import { parseSdl, isSdlError, groupMaxPrice } from '../../sdl/index.js'
import type { Group, SdlResult } from '../../sdl/index.js'

type FileOutcome =
  | { file: string, ok: true, result: SdlResult }
  | { file: string, ok: false, error: { code: string, path: string, line: number | null, column: number | null, message: string } }

async function check (file: string, cwd: string): Promise<FileOutcome> {
  let text: string
  try {
    text = await readFile(resolve(cwd, file), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE'
    return { file, ok: false, error: { code, path: '', line: null, column: null, message: `cannot read ${file}: ${(err as Error).message}` } }
  }
  try {
    return { file, ok: true, result: parseSdl(text) }
  } catch (err) {
    if (!isSdlError(err)) throw err
    return { file, ok: false, error: { code: err.code, path: err.path, line: err.line ?? null, column: err.column ?? null, message: err.message } }
  }
}

function bytes (n: number): string {
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) { v /= 1024; i++ }
  return `${v}${units[i]}`
}

function describeGroup (g: Group): string[] {
  const lines: string[] = []
  const max = groupMaxPrice(g)
  const reqs = g.requirements.attributes.map(a => `${a.key}=${a.value}`).join(', ')
  lines.push(`  group ${g.name}: max ${max.amount} ${max.denom}/block${reqs !== '' ? `; requires ${reqs}` : ''}`)
  if (g.requirements.signedBy.allOf.length + g.requirements.signedBy.anyOf.length > 0) {
    lines.push(`    signed by: all of [${g.requirements.signedBy.allOf.join(', ')}] any of [${g.requirements.signedBy.anyOf.join(', ')}]`)
  }
  for (const u of g.resources) {
    const storage = u.storage.map(s => `${s.name} ${bytes(s.size)}${s.attributes.some(a => a.key === 'persistent' && a.value === 'true') ? ' persistent' : ''}`).join(', ')
    lines.push(`    unit ${u.id} x${u.count}: ${u.cpu / 1000} cpu, ${bytes(u.memory)} memory, storage [${storage}], ${u.price.amount} ${u.price.denom}/block each`)
    if (u.gpu.units > 0) lines.push(`      gpu: ${u.gpu.units} x ${u.gpu.attributes.map(a => a.key).join(' | ')}`)
    if (u.endpoints.length > 0) lines.push(`      endpoints: ${u.endpoints.map(e => (e.kind === 'LEASED_IP' ? `LEASED_IP#${e.sequence}` : e.kind)).join(', ')}`)
  }
  return lines
}

export const sdlCommand: Command = {
  name: 'sdl',
  summary: 'Check Akash SDL files and show the orders they make',
  usage: 'skymesh sdl [--json] FILE [FILE...]',
  options: {},
  positionals: { name: 'FILE', min: 1 },
  async run (args: ParsedArgs, ctx: CommandContext): Promise<number> {
    let allOk = true
    for (const file of args.positionals) {
      const out = await check(file, ctx.cwd)
      if (!out.ok) allOk = false
      if (args.json) {
        if (out.ok) {
          const r = out.result
          printJson(ctx.io, { file, ok: true, version: r.version, groups: r.groups, manifestHash: r.manifestHash, warnings: r.warnings })
        } else {
          printJson(ctx.io, { file, ok: false, error: out.error })
        }
        continue
      }
      if (!out.ok) {
        const e = out.error
        const where = e.line !== null ? `:${e.line}${e.column !== null ? `:${e.column}` : ''}` : ''
        ctx.io.stdout(`${file}${where}: rejected [${e.code}] ${e.message}\n`)
        continue
      }
      const r = out.result
      const lines = [`${file}: ok (SDL ${r.version}, ${r.groups.length} group${r.groups.length === 1 ? '' : 's'}, manifest ${r.manifestHash.slice(0, 16)}…)`]
      for (const g of r.groups) lines.push(...describeGroup(g))
      for (const w of r.warnings) {
        lines.push(`  warning${w.line !== undefined ? ` (line ${w.line})` : ''} [${w.code}] ${w.path}: ${w.message}`)
      }
      ctx.io.stdout(lines.join('\n') + '\n')
    }
    return allOk ? 0 : 2
  }
}
