import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, bundledConfigDir, loadDevnetSpec } from '../../../src/config/index.js'
import { parsePricing } from '../../../src/market/index.js'
import { tempDir } from '../../helpers/io.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => { ({ path: dir, cleanup } = await tempDir('skymesh-devnet-spec-')) })
afterAll(async () => { await cleanup() })

let n = 0
async function specFile (text: string): Promise<string> {
  const file = join(dir, `devnet-${++n}.yaml`)
  await writeFile(file, text)
  return file
}

/** The ConfigError loading `text` fails with (the test fails if it loads). */
async function errorOf (text: string): Promise<ConfigError> {
  const file = await specFile(text)
  const err = await loadDevnetSpec(file).then(() => undefined, (e: unknown) => e)
  expect(err, text).toBeInstanceOf(ConfigError)
  expect((err as ConfigError).details.file).toBe(file)
  expect((err as ConfigError).badInput).toBe(true)
  return err as ConfigError
}

const ONE = 'sdl: deploy.yaml\nproviders:\n  - name: p1\n'

describe('loadDevnetSpec', () => {
  it('the shipped config/devnet.yaml loads: the example SDL and three providers with valid pricing', async () => {
    const spec = await loadDevnetSpec()
    expect(spec.sdl).toBe(join(bundledConfigDir(), 'deploy.example.yaml'))
    expect(existsSync(spec.sdl)).toBe(true)
    expect(spec.providers.map((p) => p.name)).toEqual(['provider-1', 'provider-2', 'provider-3'])
    expect(spec.providers.map((p) => p.attributes)).toEqual([{ region: 'us-east' }, { region: 'eu-west' }, { region: 'ap-south' }])
    const pricing = spec.providers.map((p) => parsePricing(p.pricingYaml))
    expect(pricing.map((p) => p.unit)).toEqual(['usd-per-month', 'usd-per-month', 'uact-per-block'])
    expect(pricing[1]?.cpu).not.toEqual(pricing[0]?.cpu)
  })

  it('the SDL path is relative to the devnet file; attribute values become text; pricing is optional', async () => {
    await mkdir(join(dir, 'sub'), { recursive: true })
    const file = join(dir, 'sub', 'net.yaml')
    await writeFile(file, 'sdl: ../app.yaml\nproviders:\n  - name: gpu-1\n    attributes: { tier: 2, fast: true, region: eu }\n  - name: p-2\n    pricing: {}\n')
    const spec = await loadDevnetSpec(file)
    expect(spec.sdl).toBe(join(dir, 'app.yaml'))
    expect(spec.providers).toEqual([
      { name: 'gpu-1', attributes: { tier: '2', fast: 'true', region: 'eu' }, pricingYaml: '' },
      { name: 'p-2', attributes: {}, pricingYaml: '{}\n' }
    ])
  })

  it('an unknown key: CONFIG_UNKNOWN_KEY with the key, at the top or in a provider', async () => {
    const top = await errorOf(ONE + 'relays: 2\n')
    expect([top.code, top.details.key]).toEqual(['CONFIG_UNKNOWN_KEY', 'relays'])
    const inner = await errorOf('sdl: a.yaml\nproviders:\n  - name: p1\n  - name: p2\n    colour: red\n')
    expect([inner.code, inner.details.key]).toEqual(['CONFIG_UNKNOWN_KEY', 'providers[1].colour'])
  })

  it('a name that appears twice: CONFIG_BAD_VALUE on the second', async () => {
    const err = await errorOf('sdl: a.yaml\nproviders:\n  - name: p1\n  - name: p2\n  - name: p1\n')
    expect([err.code, err.details.key]).toEqual(['CONFIG_BAD_VALUE', 'providers[2].name'])
  })

  it('a bad name: upper case, a leading dash, too long, relay or tenant, missing, not text', async () => {
    for (const name of ['Provider', '-p', 'a'.repeat(33), 'relay', 'tenant', 'p_1', '"p 1"', '12.5', '[p]']) {
      const err = await errorOf(`sdl: a.yaml\nproviders:\n  - name: ${name}\n`)
      expect([err.code, err.details.key], name).toEqual(['CONFIG_BAD_VALUE', 'providers[0].name'])
    }
    const missing = await errorOf('sdl: a.yaml\nproviders:\n  - attributes: {}\n')
    expect(missing.details.key).toBe('providers[0].name')
    // the longest name is fine
    await expect(loadDevnetSpec(await specFile(`sdl: a.yaml\nproviders:\n  - name: ${'a'.repeat(32)}\n`))).resolves.toBeDefined()
  })

  it('a missing or empty sdl: CONFIG_BAD_VALUE on sdl', async () => {
    for (const text of ['providers:\n  - name: p1\n', 'sdl: ""\nproviders:\n  - name: p1\n', 'sdl: 5\nproviders:\n  - name: p1\n', 'sdl: [a]\nproviders:\n  - name: p1\n']) {
      const err = await errorOf(text)
      expect([err.code, err.details.key], text).toEqual(['CONFIG_BAD_VALUE', 'sdl'])
    }
  })

  it('pricing that is not a map: CONFIG_BAD_VALUE on that provider\'s pricing', async () => {
    for (const pricing of ['cheap', '[1, 2]', '3', 'null']) {
      const err = await errorOf(`sdl: a.yaml\nproviders:\n  - name: p1\n  - name: p2\n    pricing: ${pricing}\n`)
      expect([err.code, err.details.key], pricing).toEqual(['CONFIG_BAD_VALUE', 'providers[1].pricing'])
    }
  })

  it('attributes that are not a map of text: CONFIG_BAD_VALUE naming the attribute', async () => {
    const notMap = await errorOf('sdl: a.yaml\nproviders:\n  - name: p1\n    attributes: [region]\n')
    expect(notMap.details.key).toBe('providers[0].attributes')
    const nested = await errorOf('sdl: a.yaml\nproviders:\n  - name: p1\n    attributes: { region: { a: 1 } }\n')
    expect(nested.details.key).toBe('providers[0].attributes.region')
  })

  it('no providers, an empty list, more than 16, or an entry that is not a map', async () => {
    const many = Array.from({ length: 17 }, (_, i) => `  - name: p${i}\n`).join('')
    for (const [text, key] of [
      ['sdl: a.yaml\n', 'providers'],
      ['sdl: a.yaml\nproviders: []\n', 'providers'],
      ['sdl: a.yaml\nproviders: p1\n', 'providers'],
      [`sdl: a.yaml\nproviders:\n${many}`, 'providers'],
      ['sdl: a.yaml\nproviders:\n  - p1\n', 'providers[0]']
    ] as const) {
      const err = await errorOf(text)
      expect([err.code, err.details.key], text).toEqual(['CONFIG_BAD_VALUE', key])
    }
  })

  it('a document that is not a map, YAML that does not parse, a duplicate key, a missing file', async () => {
    expect((await errorOf('- a\n- b\n')).code).toBe('CONFIG_BAD_VALUE')
    expect((await errorOf('')).code).toBe('CONFIG_BAD_VALUE')
    expect((await errorOf('sdl: [a\n')).code).toBe('CONFIG_SYNTAX')
    expect((await errorOf('sdl: a.yaml\nsdl: b.yaml\nproviders:\n  - name: p1\n')).code).toBe('CONFIG_SYNTAX')
    const file = join(dir, 'absent.yaml')
    const err = await loadDevnetSpec(file).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).code).toBe('CONFIG_NOT_FOUND')
    expect((err as ConfigError).details.file).toBe(file)
  })
})
