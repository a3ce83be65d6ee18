/**
 * Typed access to YAML nodes with Go yaml.v3 decoding rules, raising SdlError with the YAML
 * path, line and column of the offending node.
 */
import type { YMap, YNode, YPos, YScalar, YSeq } from './yaml-ast.js'
import { SdlError } from './errors.js'
import type { SdlErrorCode, SdlWarning, SdlWarningCode } from './errors.js'

export function join (path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

export function fail (code: SdlErrorCode, message: string, path: string, at: YPos | undefined, expected?: string): never {
  throw new SdlError(code, `${path === '' ? 'document' : path}: ${message}`, {
    path, line: at?.line, column: at?.col, ...(expected !== undefined ? { expected } : {})
  })
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL'])

export function isNull (n: YNode | undefined): boolean {
  return n === undefined || (n.kind === 'scalar' && n.plain && NULLS.has(n.value))
}

export class Reader {
  readonly warnings: SdlWarning[] = []

  warn (code: SdlWarningCode, path: string, at: YPos | undefined, message: string): void {
    this.warnings.push({ code, path, ...(at !== undefined ? { line: at.line, column: at.col } : {}), message })
  }

  /** A mapping, or undefined for null/absent (Go leaves the zero value). */
  map (n: YNode | undefined, path: string, what = 'a mapping'): YMap | undefined {
    if (isNull(n)) return undefined
    if ((n as YNode).kind !== 'map') fail('WRONG_TYPE', `expected ${what}, found ${describe(n as YNode)}`, path, n, what)
    return n as YMap
  }

  seq (n: YNode | undefined, path: string, what = 'a list'): YSeq | undefined {
    if (isNull(n)) return undefined
    if ((n as YNode).kind !== 'seq') fail('WRONG_TYPE', `expected ${what}, found ${describe(n as YNode)}`, path, n, what)
    return n as YSeq
  }

  /** Go string field: any scalar's text; null is "". */
  str (n: YNode | undefined, path: string): string {
    if (isNull(n)) return ''
    if ((n as YNode).kind !== 'scalar') fail('WRONG_TYPE', `expected a string, found ${describe(n as YNode)}`, path, n, 'a string')
    return (n as YScalar).value
  }

  /** Go []string field; null when absent (Go's nil slice). */
  strList (n: YNode | undefined, path: string): string[] | null {
    const s = this.seq(n, path, 'a list of strings')
    if (s === undefined) return null
    return s.items.map((item, i) => this.str(item, join(path, i)))
  }

  /** Go uint32 field: a plain int (or float, truncated), never a quoted string. */
  u32 (n: YNode | undefined, path: string): number {
    if (isNull(n)) return 0
    const node = n as YNode
    if (node.kind !== 'scalar') fail('WRONG_TYPE', `expected a whole number, found ${describe(node)}`, path, node, 'a whole number 0..4294967295')
    if (!node.plain) fail('WRONG_TYPE', `expected a number, found the quoted string "${node.value}"`, path, node, 'an unquoted whole number')
    const v = resolveNumber(node.value)
    if (v === undefined) fail('WRONG_TYPE', `expected a whole number, found "${node.value}"`, path, node, 'a whole number 0..4294967295')
    if (v < 0 || v > 0xffffffff || Number.isNaN(v)) fail('INVALID_VALUE', `${node.value} is out of range`, path, node, 'a whole number 0..4294967295')
    if (!Number.isInteger(v)) this.warn('FRACTION_TRUNCATED', path, node, `${node.value} is truncated to ${Math.trunc(v)} (as Akash does)`)
    return Math.trunc(v)
  }

  /** Go bool field: true/false in YAML 1.2 spellings plus yaml.v3's 1.1 compatibility set. */
  bool (n: YNode | undefined, path: string): boolean {
    if (isNull(n)) return false
    const node = n as YNode
    if (node.kind === 'scalar') {
      if (node.plain) {
        if (TRUE.has(node.value)) return true
        if (FALSE.has(node.value)) return false
      }
    }
    return fail('WRONG_TYPE', `expected true or false, found ${describe(node)}`, path, node, 'true or false')
  }

  /** Reports keys that Go's decoder would silently ignore. */
  known (m: YMap, path: string, keys: ReadonlySet<string>): void {
    for (const e of m.entries) {
      if (!keys.has(e.key.value)) {
        this.warn('IGNORED_KEY', join(path, e.key.value), e.key, `"${e.key.value}" is not an SDL key; Akash ignores it`)
      }
    }
  }
}

const TRUE = new Set(['true', 'True', 'TRUE', 'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'])
const FALSE = new Set(['false', 'False', 'FALSE', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'])

export function get (m: YMap | undefined, key: string): YNode | undefined {
  if (m === undefined) return undefined
  for (const e of m.entries) if (e.key.value === key) return e.value
  return undefined
}

export function describe (n: YNode): string {
  if (n.kind === 'map') return 'a mapping'
  if (n.kind === 'seq') return 'a list'
  return n.plain ? `"${n.value}"` : `the string "${n.value}"`
}

/**
 * yaml.v3's resolution of a plain scalar to a number (ints in base 10/16/8/2 with optional
 * underscores, YAML floats); undefined when it resolves to something else.
 */
export function resolveNumber (raw: string): number | undefined {
  const c = raw.charCodeAt(0)
  // only scalars starting with a digit, sign or dot are tried as numbers
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return undefined
  const plain = raw.replace(/_/g, '')
  if (/^[+-]?\d+$/.test(plain)) {
    // Go's ParseInt with base 0 reads a leading 0 as octal
    const neg = plain.startsWith('-')
    const digits = plain.replace(/^[+-]/, '')
    if (digits.length > 1 && digits.startsWith('0')) {
      if (!/^[0-7]+$/.test(digits)) return undefined
      const v = parseInt(digits, 8)
      return neg ? -v : v
    }
    return Number(plain)
  }
  let m = /^([+-]?)0x([0-9a-fA-F]+)$/.exec(plain)
  if (m !== null) return (m[1] === '-' ? -1 : 1) * parseInt(m[2] as string, 16)
  m = /^([+-]?)0o([0-7]+)$/.exec(plain)
  if (m !== null) return (m[1] === '-' ? -1 : 1) * parseInt(m[2] as string, 8)
  m = /^([+-]?)0b([01]+)$/.exec(plain)
  if (m !== null) return (m[1] === '-' ? -1 : 1) * parseInt(m[2] as string, 2)
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return Number(plain)
  if (/^[-+]?\.(inf|Inf|INF)$/.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity
  if (/^\.(nan|NaN|NAN)$/.test(raw)) return NaN
  return undefined
}
