/**
 * Unit parsing exactly as Akash's Go SDL parser does it (chain-sdk go/sdl units):
 * - cpu: "100m" = 100 millicores (integer before the m); otherwise a float of cores x 1000,
 *   truncated toward zero ("0.5" = 500, "1.0005" = 1000).
 * - memory / storage / gpu ram: a float followed by at most one suffix from the table below,
 *   checked in that order with HasSuffix; the product is truncated to whole bytes.
 * Go's strconv.ParseFloat also takes hex floats, "inf" and "nan"; none of those can yield a
 * size inside the chain limits, so they are rejected here as invalid numbers.
 */
export const UNIT_SUFFIXES: ReadonlyArray<readonly [string, number]> = [
  ['k', 1e3], ['Ki', 1024],
  ['M', 1e6], ['Mi', 1024 ** 2],
  ['G', 1e9], ['Gi', 1024 ** 3],
  ['T', 1e12], ['Ti', 1024 ** 4],
  ['P', 1e15], ['Pi', 1024 ** 5],
  ['E', 1e18], ['Ei', 1024 ** 6]
]

const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** Go strconv.ParseFloat restricted to decimal syntax; undefined when not a number. */
export function parseGoFloat (s: string): number | undefined {
  if (!GO_FLOAT.test(s)) return undefined
  const v = Number(s)
  return Number.isFinite(v) ? v : undefined
}

export type UnitResult = { ok: true, value: number, lenient?: true } | { ok: false, reason: 'syntax' | 'negative' | 'overflow' }

const LENIENT_SIZE = /^(\d+\.?\d*|\.\d+)([kmgtpe])(i?)(b?)$/i
const PREFIX_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 }

/**
 * Byte quantity (memory.size, storage.size, gpu ram). Go's table first; then the spellings
 * Akash Console's SDK also takes ("16gi", "8GB", "512Mb": case-insensitive prefix, `i` for
 * binary, an optional trailing b), which real deployments use. Those are flagged `lenient`
 * and, like that SDK, rounded up to whole bytes.
 */
export function parseByteQuantity (s: string): UnitResult {
  const strict = parseGoByteQuantity(s)
  if (strict.ok || strict.reason !== 'syntax') return strict
  const m = LENIENT_SIZE.exec(s)
  if (m === null) return strict
  const [, num, prefix, bin] = m as unknown as [string, string, string, string]
  const [int = '', frac = ''] = num.split('.')
  const base = bin === '' ? 1000n : 1024n
  const mul = base ** BigInt(PREFIX_POWER[prefix.toLowerCase()] as number)
  const den = 10n ** BigInt(frac.length)
  const n = BigInt((int + frac) === '' ? '0' : int + frac) * mul
  const v = (n + den - 1n) / den
  if (v >= 2n ** 64n) return { ok: false, reason: 'overflow' }
  return { ok: true, value: Number(v), lenient: true }
}

/** Akash Go's parseWithSuffix. */
export function parseGoByteQuantity (s: string): UnitResult {
  let num = s
  let mul = 1
  for (const [sym, unit] of UNIT_SUFFIXES) {
    if (s.endsWith(sym)) { num = s.slice(0, -sym.length); mul = unit; break }
  }
  const f = parseGoFloat(num)
  if (f === undefined) return { ok: false, reason: 'syntax' }
  const v = f * mul
  if (v < 0) return { ok: false, reason: 'negative' }
  if (!Number.isFinite(v) || v >= 2 ** 64) return { ok: false, reason: 'overflow' }
  return { ok: true, value: Math.trunc(v) }
}

/** CPU quantity in millicores (Go's cpuQuantity is a uint32). */
export function parseCpuQuantity (s: string): UnitResult {
  if (s.endsWith('m')) {
    const digits = s.slice(0, -1)
    // strconv.ParseUint(s, 10, 32): digits only, no sign
    if (!/^\d+$/.test(digits)) return { ok: false, reason: 'syntax' }
    const v = Number(digits)
    if (v > 0xffffffff) return { ok: false, reason: 'overflow' }
    return { ok: true, value: v }
  }
  const f = parseGoFloat(s)
  if (f === undefined) return { ok: false, reason: 'syntax' }
  const v = f * 1000
  if (v < 0) return { ok: false, reason: 'negative' }
  if (v >= 2 ** 32) return { ok: false, reason: 'overflow' }
  return { ok: true, value: Math.trunc(v) }
}

/** `q / unit` with the suffix, integer division, as Go's memoryQuantity.StringWithSuffix. */
export function stringWithSuffix (bytes: number, suffix: string): string {
  const unit = UNIT_SUFFIXES.find(([s]) => s === suffix)?.[1] ?? 1
  return `${Math.floor(bytes / unit)}${suffix}`
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9
}

/** Go time.ParseDuration; nanoseconds, or undefined when Go would fail. */
export function parseGoDuration (s: string): number | undefined {
  let rest = s
  let neg = false
  if (rest.startsWith('-') || rest.startsWith('+')) { neg = rest[0] === '-'; rest = rest.slice(1) }
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  const re = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/
  while (rest.length > 0) {
    const m = re.exec(rest)
    if (m === null) return undefined
    const int = m[1] ?? ''
    const frac = m[2]
    if (int === '' && (frac === undefined || frac === '')) return undefined
    const unit = DURATION_UNITS[m[3] as string] as number
    total += Number(int === '' ? '0' : int) * unit + (frac !== undefined && frac !== '' ? Number('0.' + frac) * unit : 0)
    rest = rest.slice(m[0].length)
  }
  if (total > 2 ** 63 - 1) return undefined
  return neg ? -total : total
}
