import { readFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify, YAMLParseError } from 'yaml'
import { ConfigError } from './errors.js'

/** The config/ folder shipped with skymesh (config/default.yaml, devnet.yaml, the example SDL). */
export function bundledConfigDir (): string {
  // src/config/devnet.ts runs from the sources (tests) or as dist/src/config/devnet.js
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  return basename(root) === 'dist' ? resolve(root, '..', 'config') : resolve(root, 'config')
}

export interface DevnetProvider {
  name: string
  attributes: Record<string, string>
  /** the pricing map as YAML text, checked by the market's pricing parser */
  pricingYaml: string
}

export interface DevnetSpec {
  /** absolute path of the SDL to deploy */
  sdl: string
  providers: DevnetProvider[]
}

function bad (file: string, key: string, what: string): ConfigError {
  return new ConfigError('CONFIG_BAD_VALUE', `${file}: ${key}: ${what}`, { details: { file, key } })
}

function onlyKeys (o: Record<string, unknown>, keys: string[], file: string, at: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new ConfigError('CONFIG_UNKNOWN_KEY', `${file}: ${at}${k}: unknown key (known: ${keys.join(', ')})`, { details: { file, key: at + k } })
  }
}

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/

/** Read and check a devnet file (config/devnet.yaml by default). */
export async function loadDevnetSpec (file = join(bundledConfigDir(), 'devnet.yaml')): Promise<DevnetSpec> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError('CONFIG_NOT_FOUND', `cannot read ${file}: ${(err as Error).message}`, { details: { file } })
  }
  let doc: unknown
  try {
    doc = parse(text, { strict: true, uniqueKeys: true, maxAliasCount: 50 })
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : ''
    throw new ConfigError('CONFIG_SYNTAX', `${file}${where}: not valid YAML`, { details: { file }, cause: err })
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(file, '', 'expected a map with sdl and providers')
  const d = doc as Record<string, unknown>
  onlyKeys(d, ['sdl', 'providers'], file, '')
  if (typeof d.sdl !== 'string' || d.sdl === '') throw bad(file, 'sdl', 'expected the path of an SDL file')
  if (!Array.isArray(d.providers) || d.providers.length === 0 || d.providers.length > 16) throw bad(file, 'providers', 'expected a list of 1 to 16 providers')
  const names = new Set<string>()
  const providers = d.providers.map((p: unknown, i): DevnetProvider => {
    const at = `providers[${i}]`
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw bad(file, at, 'expected a map with name, attributes, pricing')
    const o = p as Record<string, unknown>
    onlyKeys(o, ['name', 'attributes', 'pricing'], file, at + '.')
    if (typeof o.name !== 'string' || !NAME.test(o.name) || o.name === 'relay' || o.name === 'tenant') throw bad(file, `${at}.name`, 'expected a name of lower-case letters, digits and -, not relay or tenant')
    if (names.has(o.name)) throw bad(file, `${at}.name`, `${o.name} appears twice`)
    names.add(o.name)
    const attributes: Record<string, string> = {}
    if (o.attributes !== undefined) {
      if (typeof o.attributes !== 'object' || o.attributes === null || Array.isArray(o.attributes)) throw bad(file, `${at}.attributes`, 'expected a map of key: value')
      for (const [k, v] of Object.entries(o.attributes)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(file, `${at}.attributes.${k}`, 'expected a text value')
        attributes[k] = String(v)
      }
    }
    if (o.pricing !== undefined && (typeof o.pricing !== 'object' || o.pricing === null || Array.isArray(o.pricing))) throw bad(file, `${at}.pricing`, 'expected a pricing map (see config/pricing.example.yaml)')
    return { name: o.name, attributes, pricingYaml: o.pricing === undefined ? '' : stringify(o.pricing) }
  })
  return { sdl: resolve(dirname(file), d.sdl), providers }
}
