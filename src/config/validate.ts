import { ConfigError } from './errors.js'
import type { SkymeshConfig } from './defaults.js'
import { networkIdOf } from './network-id.js'

type Rule = (v: unknown, key: string) => unknown

function fail (key: string, expected: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? JSON.stringify(v.slice(0, 60)) : typeof v === 'object' ? 'a map' : String(v)
  throw new ConfigError('CONFIG_BAD_VALUE', `${key}: expected ${expected}, got ${got}`, { details: { key, expected } })
}

const int = (min: number, max: number = Number.MAX_SAFE_INTEGER): Rule => (v, key) =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) ? v : fail(key, `an integer in [${min}, ${max}]`, v)
const text = (pattern?: RegExp, what = 'a string'): Rule => (v, key) =>
  (typeof v === 'string' && v.length > 0 && v.length <= 1024 && (pattern === undefined || pattern.test(v))) ? v : fail(key, what, v)
const nullable = (rule: Rule): Rule => (v, key) => v === null ? null : rule(v, key)
const oneOf = (values: readonly string[]): Rule => (v, key) =>
  (typeof v === 'string' && values.includes(v)) ? v : fail(key, `one of ${values.join(', ')}`, v)
const listOf = (item: Rule, max = 64): Rule => (v, key) => {
  if (!Array.isArray(v) || v.length > max) return fail(key, `a list of at most ${max}`, v)
  return v.map((x, i) => item(x, `${key}[${i}]`))
}
const stringMap: Rule = (v, key) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(key, 'a map of strings', v)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9/._-]{0,127}$/.test(k)) fail(`${key}.${k}`, 'an attribute key of letters, digits, / . _ -', k)
    out[k] = text(undefined, 'a string')(typeof x === 'number' ? String(x) : x, `${key}.${k}`) as string
  }
  return out
}

/** Every known key and its rule; a key not listed here is an error, with its full path. */
const RULES: Record<string, Record<string, Rule>> = {
  network: {
    name: text(/^[a-z0-9][a-z0-9._-]{0,46}$/, 'lower-case letters, digits, . _ - (at most 47)'),
    protocolPrefix: text(/^[a-z0-9][a-z0-9._-]{0,31}$/, 'lower-case letters, digits, . _ - (at most 32)'),
    blockMs: int(100, 600_000),
    maxClockSkewMs: int(0, 600_000),
    commitWindowMs: int(100, 3_600_000),
    revealWindowMs: int(100, 3_600_000),
    maxBidsPerOrder: int(1, 128),
    awardWindowMs: int(1000, 3_600_000),
    maxAwardWindowMs: int(1000, 86_400_000),
    finalityMs: int(1000, 86_400_000),
    maxOrderWindowMs: int(1000, 7 * 86_400_000)
  },
  node: {
    listen: listOf(text(/^\//, 'a multiaddr starting with /')),
    bootstrap: listOf(text(/^\//, 'a multiaddr starting with /'), 256),
    api: text(/^[^\s:]+:\d{1,5}$/, 'HOST:PORT'),
    roles: listOf(oneOf(['provider', 'tenant', 'relay']), 3),
    logLevel: oneOf(['debug', 'info', 'warn', 'error', 'silent']),
    discoveryIntervalMs: int(1000, 86_400_000),
    bootstrapRedialMs: int(500, 3_600_000),
    minPeers: int(0, 1000),
    retentionMs: int(60_000, 365 * 86_400_000)
  },
  provider: {
    attributes: stringMap,
    reserved: (v, key) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(key, 'a map with cpu, memory, storage', v)
      const o = v as Record<string, unknown>
      for (const k of Object.keys(o)) if (!['cpu', 'memory', 'storage'].includes(k)) throw new ConfigError('CONFIG_UNKNOWN_KEY', `${key}.${k}: unknown key (known: cpu, memory, storage)`, { details: { key: `${key}.${k}` } })
      return { cpu: int(0)(o.cpu ?? 0, `${key}.cpu`), memory: int(0)(o.memory ?? 0, `${key}.memory`), storage: int(0)(o.storage ?? 0, `${key}.storage`) }
    },
    pricing: nullable(text()),
    announceIntervalMs: int(1000, 86_400_000),
    probeIntervalMs: int(10_000, 86_400_000),
    maxHoldMs: int(1000, 7 * 86_400_000),
    workloads: oneOf(['run', 'off']),
    runtimeEndpoint: nullable(text(/^(unix|tcp):\/\/\S+$/, 'unix:///path/to.sock or tcp://HOST:PORT')),
    publishHost: text(/^[A-Za-z0-9.:[\]-]{1,253}$/, 'a host name or IP address'),
    pullPolicy: oneOf(['always', 'if-not-present', 'never']),
    allowedRegistries: listOf(text(/^(\*|[A-Za-z0-9.-]+(:\d{1,5})?)$/, 'a registry host (docker.io, ghcr.io, localhost:5000) or *'), 64)
  },
  tenant: {
    excludeMinSealed: int(1, 1_000_000),
    excludeUnrevealedPercent: int(0, 100)
  },
  relay: {
    maxReservations: int(0, 1_000_000),
    reservationTtlMs: int(1000),
    maxDataBytes: int(1024),
    maxDurationMs: int(1000)
  }
}

/**
 * Merge a partial config (as read from YAML) over a base, checking every key. Nothing is
 * returned unless everything is valid, so a bad file never half-applies.
 */
export function mergeConfig (base: SkymeshConfig, partial: unknown, source = 'config'): SkymeshConfig {
  if (partial === null || partial === undefined) return structuredClone(base)
  if (typeof partial !== 'object' || Array.isArray(partial)) fail(source, 'a map of sections (network, node, provider, tenant, relay)', partial)
  const out = structuredClone(base) as unknown as Record<string, Record<string, unknown>>
  for (const [section, values] of Object.entries(partial as Record<string, unknown>)) {
    const rules = RULES[section]
    if (rules === undefined) throw new ConfigError('CONFIG_UNKNOWN_KEY', `${section}: unknown section (known: ${Object.keys(RULES).join(', ')})`, { details: { key: section } })
    if (values === null) continue
    if (typeof values !== 'object' || Array.isArray(values)) fail(section, 'a map', values)
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
      // The id is derived from the parameters, so a node cannot claim one it does not follow.
      // `network.id` is the spelling of the name before ids were derived: read as the name.
      if (section === 'network' && k === 'id') {
        if ('name' in (values as Record<string, unknown>)) throw new ConfigError('CONFIG_BAD_VALUE', 'network.id and network.name both given: the id is derived from the name and the parameters; keep network.name', { details: { key: 'network.id' } })
        ;(out.network as Record<string, unknown>).name = (rules.name as Rule)(v, 'network.id')
        continue
      }
      const rule = rules[k]
      if (rule === undefined) throw new ConfigError('CONFIG_UNKNOWN_KEY', `${section}.${k}: unknown key (known: ${Object.keys(rules).join(', ')})`, { details: { key: `${section}.${k}` } })
      ;(out[section] as Record<string, unknown>)[k] = rule(v, `${section}.${k}`)
    }
  }
  const cfg = out as unknown as SkymeshConfig
  checkCrossField(cfg)
  cfg.network.id = networkIdOf(cfg.network)
  return cfg
}

function checkCrossField (cfg: SkymeshConfig): void {
  if (cfg.network.maxClockSkewMs >= cfg.network.commitWindowMs) {
    throw new ConfigError('CONFIG_BAD_VALUE', `network.maxClockSkewMs (${cfg.network.maxClockSkewMs}) must be smaller than network.commitWindowMs (${cfg.network.commitWindowMs}), or late commits could never be told from early ones`, { details: { key: 'network.maxClockSkewMs' } })
  }
  if (cfg.network.awardWindowMs > cfg.network.maxAwardWindowMs) {
    throw new ConfigError('CONFIG_BAD_VALUE', `network.awardWindowMs (${cfg.network.awardWindowMs}) must not exceed network.maxAwardWindowMs (${cfg.network.maxAwardWindowMs})`, { details: { key: 'network.awardWindowMs' } })
  }
}
