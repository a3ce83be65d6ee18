import { WireError } from './errors.js'

/**
 * A field schema checks a decoded CBOR value and returns it in its typed form. Schemas are
 * strict: exact keys, integers only (no floats anywhere), bounded strings, bytes and lists.
 * The same schema runs before encoding, so a bug can never put a float or a stray key on the
 * wire.
 */
export interface Schema<T> {
  parse(value: unknown, path: string): T
  /**
   * What parse accepts, as data: tools walk it instead of keeping a copy of every message's
   * shape (the fuzz tests build valid bodies of every type from it, so a new or changed schema
   * is fuzzed without editing them).
   */
  readonly spec: SchemaSpec
}

export type SchemaSpec =
  | { kind: 'uint', min: number, max: number }
  | { kind: 'biguint', max: bigint }
  | { kind: 'str', minLength: number, maxLength: number, pattern?: RegExp }
  | { kind: 'literal', values: readonly string[] }
  | { kind: 'bytes', min: number, max: number }
  | { kind: 'list', item: Schema<unknown>, maxLength: number }
  | { kind: 'struct', shape: Shape }

export type Infer<S> = S extends Schema<infer T> ? T : never

function bad (path: string, expected: string, value: unknown): never {
  throw new WireError('BAD_FIELD', `${path}: expected ${expected}, got ${describe(value)}`, { details: { path, expected } })
}

function describe (v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (Array.isArray(v)) return `a list of ${v.length}`
  if (typeof v === 'string') return `a string of ${v.length} characters`
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : 'a float'
  if (typeof v === 'bigint') return `integer ${v}`
  return typeof v
}

export const MAX_SAFE = Number.MAX_SAFE_INTEGER
export const MAX_U64 = (1n << 64n) - 1n

/** Non-negative integer that fits a JS number exactly. */
export function uint (max: number = MAX_SAFE, min = 0): Schema<number> {
  return {
    spec: { kind: 'uint', min, max },
    parse (v, path) {
      if (typeof v === 'bigint' && v <= BigInt(MAX_SAFE) && v >= 0n) v = Number(v)
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return bad(path, 'an integer', v)
      if (v < min || v > max) return bad(path, `an integer in [${min}, ${max}]`, v)
      return v
    }
  }
}

/** Non-negative integer up to 2^64-1, always a bigint in memory (money). */
export function biguint (max: bigint = MAX_U64): Schema<bigint> {
  return {
    spec: { kind: 'biguint', max },
    parse (v, path) {
      if (typeof v === 'number' && Number.isSafeInteger(v)) v = BigInt(v)
      if (typeof v !== 'bigint') return bad(path, 'an integer', v)
      if (v < 0n || v > max) return bad(path, `an integer in [0, ${max}]`, v)
      return v
    }
  }
}

export function str (maxLength: number, pattern?: RegExp, minLength = 0): Schema<string> {
  return {
    spec: pattern === undefined ? { kind: 'str', minLength, maxLength } : { kind: 'str', minLength, maxLength, pattern },
    parse (v, path) {
      if (typeof v !== 'string') return bad(path, 'a string', v)
      if (v.length > maxLength || v.length < minLength) return bad(path, `a string of ${minLength}..${maxLength} characters`, v)
      if (pattern !== undefined && !pattern.test(v)) return bad(path, `a string matching ${pattern.source}`, v)
      return v
    }
  }
}

export function literal<const T extends string> (values: readonly T[]): Schema<T> {
  const set = new Set<string>(values)
  return {
    spec: { kind: 'literal', values },
    parse (v, path) {
      if (typeof v !== 'string' || !set.has(v)) return bad(path, `one of ${values.join(', ')}`, v)
      return v as T
    }
  }
}

/** Byte string of an exact length, or of min..max bytes. */
export function bytes (len: number | { min: number, max: number }): Schema<Uint8Array> {
  const min = typeof len === 'number' ? len : len.min
  const max = typeof len === 'number' ? len : len.max
  return {
    spec: { kind: 'bytes', min, max },
    parse (v, path) {
      if (!(v instanceof Uint8Array)) return bad(path, min === max ? `${min} bytes` : 'bytes', v)
      if (v.length < min || v.length > max) return bad(path, min === max ? `${min} bytes` : `${min}..${max} bytes`, v)
      return v
    }
  }
}

export function list<T> (item: Schema<T>, maxLength: number): Schema<T[]> {
  return {
    spec: { kind: 'list', item, maxLength },
    parse (v, path) {
      if (!Array.isArray(v)) return bad(path, 'a list', v)
      if (v.length > maxLength) return bad(path, `a list of at most ${maxLength}`, v)
      const out = new Array<T>(v.length)
      for (let i = 0; i < v.length; i++) out[i] = item.parse(v[i], `${path}[${i}]`)
      return out
    }
  }
}

export type Shape = Record<string, Schema<unknown>>
export type InferShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> }

/** A map with exactly these keys: a missing or an unknown key is malformed. */
export function struct<S extends Shape> (shape: S): Schema<InferShape<S>> {
  const keys = Object.keys(shape)
  const n = keys.length
  return {
    spec: { kind: 'struct', shape },
    parse (v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return bad(path, 'a map', v)
      const obj = v as Record<string, unknown>
      const out: Record<string, unknown> = {}
      let seen = 0
      for (const k of keys) {
        if (!Object.prototype.hasOwnProperty.call(obj, k)) {
          throw new WireError('BAD_FIELD', `${path}.${k}: missing`, { details: { path: `${path}.${k}`, expected: 'present' } })
        }
        out[k] = (shape[k] as Schema<unknown>).parse(obj[k], `${path}.${k}`)
        seen++
      }
      const actual = Object.keys(obj)
      if (actual.length !== seen || seen !== n) {
        const extra = actual.find((k) => !Object.prototype.hasOwnProperty.call(shape, k)) ?? '?'
        throw new WireError('BAD_FIELD', `${path}: unknown field ${JSON.stringify(extra.slice(0, 64))}`, { details: { path: `${path}.${extra.slice(0, 64)}`, expected: 'absent' } })
      }
      return out as InferShape<S>
    }
  }
}
