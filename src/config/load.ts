import { randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { parse, YAMLParseError } from 'yaml'
import { ConfigError } from './errors.js'
import { defaultConfig, type SkymeshConfig } from './defaults.js'
import { mergeConfig } from './validate.js'

export const CONFIG_FILE_NAME = 'config.yaml'

export function parseConfigText (text: string, source: string, base: SkymeshConfig = defaultConfig): SkymeshConfig {
  let doc: unknown
  try {
    doc = parse(text, { strict: true, uniqueKeys: true, maxAliasCount: 100 })
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : ''
    throw new ConfigError('CONFIG_SYNTAX', `${source}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`, { details: { file: source }, cause: err })
  }
  return mergeConfig(base, doc, source)
}

/** Load a config file; errors name the file and the key. */
export async function loadConfigFile (path: string, base: SkymeshConfig = defaultConfig): Promise<SkymeshConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ConfigError('CONFIG_NOT_FOUND', `no config file at ${path}`, { details: { file: path } })
    throw new ConfigError('CONFIG_NOT_FOUND', `cannot read ${path}: ${(err as Error).message}`, { details: { file: path } })
  }
  return parseConfigText(text, path, base)
}

/** The data directory's config.yaml over the embedded defaults; no file means defaults. */
export async function loadNodeConfig (dataDir: string): Promise<SkymeshConfig> {
  try {
    return await loadConfigFile(join(dataDir, CONFIG_FILE_NAME))
  } catch (err) {
    if (err instanceof ConfigError && err.code === 'CONFIG_NOT_FOUND' && (err.details.file === join(dataDir, CONFIG_FILE_NAME))) {
      return structuredClone(defaultConfig)
    }
    throw err
  }
}

/** The file `skymesh init` writes: only what differs from defaults, with pointers to the docs. */
export const INITIAL_CONFIG_TEXT = `# skymesh node configuration. Every key is optional; the embedded defaults are listed in
# config/default.yaml of the skymesh sources. Unknown keys are errors.
network:
  name: skymesh-local
node:
  roles: [tenant]
`

/** Write a file atomically (temp file, fsync, rename); never replaces an existing one unless asked. */
export async function writeFileAtomic (path: string, content: string, mode = 0o644): Promise<void> {
  // unique per call: two writes of the same file in flight must not share a temp file
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const fh = await open(tmp, 'wx', mode)
    try {
      await fh.writeFile(content)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw new ConfigError('CONFIG_WRITE', `cannot write ${path}: ${(err as Error).message}`, { details: { file: path }, badInput: false, cause: err })
  }
}
