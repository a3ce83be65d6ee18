import { parse, YAMLParseError } from 'yaml'
import { parseGpuAttributes, type GpuPool } from '../hardware/index.js'
import { volumeKind } from '../hardware/allocate.js'
import { gpuAskMatches } from '../hardware/allocate.js'
import { formatDecimal, parseDecimal } from '../sdl/decimal.js'
import type { Group } from '../sdl/types.js'
import { SkymeshError } from '../util/errors.js'
import { PRICE_SCALE, type Price } from '../wire/index.js'

export type PricingErrorCode = 'PRICING_NOT_FOUND' | 'PRICING_SYNTAX' | 'PRICING_UNKNOWN_KEY' | 'PRICING_BAD_VALUE'

/** details.key names the bad key, e.g. `gpu.h100`. */
export class PricingError extends SkymeshError<PricingErrorCode> {
  readonly layer = 'pricing'
}

export type PricingUnit = 'usd-per-month' | 'uact-per-block'

/** Amounts are exact decimal strings in `unit` (canonical form); see config/pricing.example.yaml. */
export interface PricingConfig {
  unit: PricingUnit
  cpu: string
  memory: string
  storage: Record<string, string>
  endpoint: string
  leasedIp: string
  gpu: Record<string, string>
}

export const defaultPricing: PricingConfig = {
  unit: 'usd-per-month',
  cpu: '1.6',
  memory: '0.8',
  storage: { default: '0.02', beta1: '0.02', beta2: '0.05', beta3: '0.1', ram: '0.8' },
  endpoint: '0',
  leasedIp: '5',
  gpu: { default: '150', h100: '1500', h200: '2000', a100: '900', l40s: '700', rtx4090: '280', rtx3090: '150' }
}

/** Average Gregorian month: 365.2425 / 12 days. */
export const MS_PER_MONTH = 2_629_746_000n
const GIB = 1024n ** 3n
/** Amounts are parsed to this many decimals. */
const AMOUNT_SCALE = 12

function amount (v: unknown, key: string): string {
  const s = typeof v === 'number' ? String(v) : v
  if (typeof s !== 'string' || parseDecimal(s, AMOUNT_SCALE) === undefined || s.length > 40) {
    throw new PricingError('PRICING_BAD_VALUE', `${key}: expected a non-negative decimal amount (at most ${AMOUNT_SCALE} decimals), got ${JSON.stringify(v)}`, { details: { key } })
  }
  // canonical form: YAML reads 1.60 as the number 1.6, a quoted "1.60" stays a string
  return formatDecimal(parseDecimal(s, AMOUNT_SCALE) as bigint, AMOUNT_SCALE)
}

function amountMap (v: unknown, key: string, base: Record<string, string>): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PricingError('PRICING_BAD_VALUE', `${key}: expected a map of name: amount`, { details: { key } })
  const out = { ...base }
  for (const [k, x] of Object.entries(v)) {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(k)) throw new PricingError('PRICING_BAD_VALUE', `${key}.${k}: names are lower-case letters, digits, . _ -`, { details: { key: `${key}.${k}` } })
    out[k] = amount(x, `${key}.${k}`)
  }
  return out
}

/** Parse and check a pricing file; nothing is returned unless every key is valid. */
export function parsePricing (text: string, source = 'pricing'): PricingConfig {
  let doc: unknown
  try {
    doc = parse(text, { strict: true, uniqueKeys: true, maxAliasCount: 50 })
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` (line ${err.linePos[0].line}, column ${err.linePos[0].col})` : ''
    throw new PricingError('PRICING_SYNTAX', `${source}${where}: not valid YAML`, { details: { file: source }, cause: err })
  }
  if (doc === null || doc === undefined) return structuredClone(defaultPricing)
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new PricingError('PRICING_BAD_VALUE', `${source}: expected a map of prices`, { details: { key: '' } })
  const out = structuredClone(defaultPricing)
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    switch (k) {
      case 'unit':
        if (v !== 'usd-per-month' && v !== 'uact-per-block') throw new PricingError('PRICING_BAD_VALUE', 'unit: expected usd-per-month or uact-per-block', { details: { key: 'unit' } })
        out.unit = v
        break
      case 'cpu': case 'memory': case 'endpoint': case 'leasedIp':
        out[k] = amount(v, k)
        break
      case 'storage': case 'gpu':
        out[k] = amountMap(v, k, out[k])
        break
      default:
        throw new PricingError('PRICING_UNKNOWN_KEY', `${source}: ${k}: unknown key (known: unit, cpu, memory, storage, endpoint, leasedIp, gpu)`, { details: { key: k, file: source } })
    }
  }
  return out
}

const scaled = (s: string): bigint => parseDecimal(s, AMOUNT_SCALE) as bigint

/**
 * What this provider asks for a whole group, per block, in wire units (10^-6 uact). `gpus` are
 * the provider's GPU pools: a unit that accepts several models is priced at the dearest model
 * this provider could give it. Exact rational arithmetic, rounded up once at the end.
 */
export function priceGroup (group: Group, pricing: PricingConfig, gpus: readonly GpuPool[], blockMs: number): Price {
  // Work in amount x 10^12 per (millicore x byte) units: common denominator 1000 x GiB.
  const D = 1000n * GIB
  let num = 0n
  for (const u of group.resources) {
    let unit = scaled(pricing.cpu) * BigInt(u.cpu) * GIB
    unit += scaled(pricing.memory) * BigInt(u.memory) * 1000n
    for (const v of u.storage) {
      const kind = volumeKind(v.attributes)
      const cls = kind.kind === 'persistent' ? kind.class : kind.kind === 'ram' ? 'ram' : 'default'
      unit += scaled(pricing.storage[cls] ?? pricing.storage.default ?? '0') * BigInt(v.size) * 1000n
    }
    if (u.gpu.units > 0) {
      const { asks } = parseGpuAttributes(u.gpu.attributes)
      const models = gpus.filter((p) => asks.length === 0 || asks.some((a) => gpuAskMatches(a, p))).map((p) => p.model)
      const each = (models.length > 0 ? models : ['default']).map((m) => scaled(pricing.gpu[m] ?? pricing.gpu.default ?? '0')).reduce((a, b) => (a > b ? a : b))
      unit += each * BigInt(u.gpu.units) * D
    }
    for (const e of u.endpoints) unit += scaled(e.kind === 'LEASED_IP' ? pricing.leasedIp : pricing.endpoint) * D
    num += unit * BigInt(u.count)
  }
  // num / D is the group's price in `unit` x 10^12. To wire units per block:
  //   usd-per-month: USD -> uact is x10^6, uact -> wire is x10^6; per block = x blockMs / MS_PER_MONTH
  //   uact-per-block: uact -> wire is x10^6
  const toWire = 10n ** BigInt(AMOUNT_SCALE)
  let n: bigint
  let d: bigint
  if (pricing.unit === 'usd-per-month') {
    n = num * 1_000_000n * PRICE_SCALE * BigInt(blockMs)
    d = D * toWire * MS_PER_MONTH
  } else {
    n = num * PRICE_SCALE
    d = D * toWire
  }
  return { denom: 'uact', amount: (n + d - 1n) / d }
}
