import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, defaultConfig, loadConfigFile, loadNodeConfig, parseConfigText } from '../../../src/config/index.js'
import { tempDir } from '../../helpers/io.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()?.() })

function configError (fn: () => unknown): ConfigError {
  try { fn() } catch (err) { expect(err).toBeInstanceOf(ConfigError); return err as ConfigError }
  throw new Error('expected a ConfigError')
}

describe('config', () => {
  it('config/default.yaml documents exactly the embedded defaults', async () => {
    const text = await readFile(new URL('../../../config/default.yaml', import.meta.url), 'utf8')
    expect(parseConfigText(text, 'default.yaml')).toEqual(defaultConfig)
  })

  it('overrides keys and keeps the rest', () => {
    const cfg = parseConfigText('network:\n  name: devnet-7\n  commitWindowMs: 5000\nprovider:\n  attributes: {region: eu-west, tier: 3}\n', 'x')
    expect(cfg.network.name).toBe('devnet-7')
    expect(cfg.network.id).toMatch(/^devnet-7-[0-9a-f]{16}$/)
    expect(cfg.network.commitWindowMs).toBe(5000)
    expect(cfg.network.blockMs).toBe(defaultConfig.network.blockMs)
    expect(cfg.provider.attributes).toEqual({ region: 'eu-west', tier: '3' })
  })

  it('names the bad key for unknown keys, wrong types and out-of-range values', () => {
    expect(configError(() => parseConfigText('network:\n  comitWindowMs: 5\n', 'x')).details.key).toBe('network.comitWindowMs')
    expect(configError(() => parseConfigText('netwrk: {}\n', 'x')).code).toBe('CONFIG_UNKNOWN_KEY')
    const e = configError(() => parseConfigText('network:\n  blockMs: "6s"\n', 'x'))
    expect(e.code).toBe('CONFIG_BAD_VALUE')
    expect(e.details.key).toBe('network.blockMs')
    expect(configError(() => parseConfigText('network:\n  maxBidsPerOrder: 1000\n', 'x')).details.key).toBe('network.maxBidsPerOrder')
    expect(configError(() => parseConfigText('network:\n  blockMs: 1.5\n', 'x')).details.key).toBe('network.blockMs')
    expect(configError(() => parseConfigText('node:\n  roles: [miner]\n', 'x')).details.key).toBe('node.roles[0]')
    expect(configError(() => parseConfigText('provider:\n  reserved: {cpus: 1}\n', 'x')).details.key).toBe('provider.reserved.cpus')
    expect(configError(() => parseConfigText('network:\n  maxClockSkewMs: 9000\n', 'x')).details.key).toBe('network.maxClockSkewMs')
    expect(configError(() => parseConfigText('- a\n- b\n', 'x')).code).toBe('CONFIG_BAD_VALUE')
  })

  it('reports YAML syntax errors with the position, and duplicate keys', () => {
    const e = configError(() => parseConfigText('network:\n  id: [unclosed\n', 'f.yaml'))
    expect(e.code).toBe('CONFIG_SYNTAX')
    expect(e.message).toContain('f.yaml')
    expect(configError(() => parseConfigText('network:\n  id: a\n  id: b\n', 'x')).code).toBe('CONFIG_SYNTAX')
  })

  it('an empty file or a missing data-dir config means defaults; a missing named file is an error', async () => {
    expect(parseConfigText('', 'x')).toEqual(defaultConfig)
    const d = await tempDir()
    cleanups.push(d.cleanup)
    expect(await loadNodeConfig(d.path)).toEqual(defaultConfig)
    await expect(loadConfigFile(join(d.path, 'nope.yaml'))).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' })
    await writeFile(join(d.path, 'config.yaml'), 'node:\n  logLevel: loud\n')
    await expect(loadNodeConfig(d.path)).rejects.toMatchObject({ code: 'CONFIG_BAD_VALUE', details: { key: 'node.logLevel' } })
  })

  it('the network id commits to every consensus parameter and to nothing else', () => {
    const id = (yaml: string): string => parseConfigText(yaml, 'x').network.id
    const base = id('network:\n  name: n\n')
    expect(id('network:\n  name: n\n')).toBe(base)
    // each rule that changes a verdict changes the id: nodes that would disagree never meet
    for (const line of ['maxClockSkewMs: 999', 'maxBidsPerOrder: 63', 'blockMs: 5000', 'awardWindowMs: 9000', 'maxAwardWindowMs: 500000', 'finalityMs: 30000', 'maxOrderWindowMs: 3600000', 'protocolPrefix: other']) {
      expect(id(`network:\n  name: n\n  ${line}\n`), line).not.toBe(base)
    }
    // a tenant's default windows are not consensus rules: each order carries its own
    expect(id('network:\n  name: n\n  commitWindowMs: 4000\n  revealWindowMs: 3000\n')).toBe(base)
    // the id cannot be claimed, only derived: network.id (the old spelling of the name) is read as the name
    expect(id('network:\n  id: n\n')).toBe(base)
    expect(configError(() => parseConfigText('network:\n  id: n\n  name: n\n', 'x')).details.key).toBe('network.id')
    expect(configError(() => parseConfigText(`network:\n  name: ${'a'.repeat(48)}\n`, 'x')).details.key).toBe('network.name')
    expect(configError(() => parseConfigText('network:\n  awardWindowMs: 700000\n', 'x')).details.key).toBe('network.awardWindowMs')
  })

  it('a bad config never mutates the defaults', () => {
    const before = structuredClone(defaultConfig)
    configError(() => parseConfigText('network:\n  name: ok-net\n  blockMs: -1\n', 'x'))
    parseConfigText('network:\n  name: other\n', 'x')
    expect(defaultConfig).toEqual(before)
  })
})
