import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Fixture path relative to this file, so tests never read /work/shared at run time. */
export const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/hardware/${name}`, import.meta.url))

export async function readFixture (name: string): Promise<string> {
  return await readFile(fixture(name), 'utf8')
}

/** A temp dir of fake tools; `cleanup` removes it. */
export interface ToolDir {
  dir: string
  add(name: string, script: string): Promise<string>
  cleanup(): Promise<void>
}

export async function makeToolDir (): Promise<ToolDir> {
  const dir = await mkdtemp(join(tmpdir(), 'skymesh-hw-'))
  return {
    dir,
    async add (name, script) {
      const p = join(dir, name)
      await writeFile(p, script)
      await chmod(p, 0o755)
      return p
    },
    async cleanup () { await rm(dir, { recursive: true, force: true }) }
  }
}

/**
 * A fake nvidia-smi that answers any `--query-gpu=a,b,c --format=csv,noheader,nounits` from
 * per-GPU records, like the real one: one line per GPU, values in field order, `[N/A]` for fields
 * the record lacks. With `strict`, unknown fields fail the way old drivers do.
 */
export function fakeNvidiaSmi (records: Array<Record<string, string>>, opts: { strict?: boolean } = {}): string {
  return `#!${process.execPath}
const gpus = ${JSON.stringify(records)}
const strict = ${opts.strict === true}
const q = process.argv.find((a) => a.startsWith('--query-gpu='))
if (q === undefined) { console.log('fake nvidia-smi: only --query-gpu is supported'); process.exit(2) }
const fields = q.slice('--query-gpu='.length).split(',')
if (strict) for (const f of fields) if (!(f in gpus[0])) { console.log('Field "' + f + '" is not a valid field to query.'); process.exit(2) }
for (const g of gpus) console.log(fields.map((f) => g[f] ?? '[N/A]').join(', '))
`
}

export function shellScript (body: string): string {
  return `#!/bin/sh\n${body}\n`
}

/** A script that prints a fixture file and exits with `code`. */
export function catScript (file: string, code = 0): string {
  return shellScript(`/bin/cat '${file}'\nexit ${code}`)
}
