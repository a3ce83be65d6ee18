/**
 * A small YAML node tree with positions, shaped like Go's yaml.v3 nodes (which Akash's parser
 * decodes): every scalar keeps its source text and whether it was plain, so typing follows
 * yaml.v3's rules (a quoted "80" is a string, a plain 80 an int) instead of YAML 1.2 core JS values.
 *
 * Two producers build the same tree:
 * - `fastParse`: a hand-written reader for the block-style subset real SDL files use (about ten
 *   times faster than composing a `yaml` Document). It gives up (returns undefined) on anything
 *   outside that subset: anchors, tags, multi-line flow or quoted scalars, folded scalars with
 *   blank or more-indented lines, tabs, directives, several documents.
 * - `slowParse`: the `yaml` package's composer, converted. It handles all of YAML and reports
 *   syntax errors with line and column. Where yaml.v3 reads a document the `yaml` package
 *   refuses (flow content indented less than its parent block node, a lone CR line break), the
 *   text is first rewritten without changing any value (yaml-go-compat.ts).
 * A test checks that both produce identical trees on every corpus file.
 */
import { LineCounter, parseAllDocuments, parseDocument, isAlias, isMap, isScalar, isSeq, isPair } from 'yaml'
import type { Document, Node as YamlLibNode } from 'yaml'
import { SdlError } from './errors.js'
import { goDoubleQuoted, mapColumn, normalizeLineBreaks, padFlowContinuations } from './yaml-go-compat.js'
import type { LinePads } from './yaml-go-compat.js'

export interface YPos { line: number, col: number }
export interface YScalar extends YPos { kind: 'scalar', value: string, plain: boolean }
export interface YPair { key: YScalar, value: YNode }
export interface YMap extends YPos { kind: 'map', entries: YPair[] }
export interface YSeq extends YPos { kind: 'seq', items: YNode[] }
export type YNode = YScalar | YMap | YSeq

/** Parse YAML text into a tree; null for an empty document. Throws SdlError(YAML_SYNTAX). */
export function parseYaml (text: string): YNode | null {
  const fast = fastParse(text)
  if (fast !== undefined) return fast // checks duplicate keys as it builds maps
  const root = slowParse(text)
  if (root !== null) checkUniqueKeys(root)
  return root
}

const bigMaps = new WeakMap<YMap, Map<string, YScalar>>()

/** Appends an entry, rejecting a repeated key (a linear scan for small maps, a Map beyond). */
function addEntry (m: YMap, key: YScalar, value: YNode): void {
  const n = m.entries.length
  if (n < 16) {
    for (let k = 0; k < n; k++) {
      const e = m.entries[k] as YPair
      if (e.key.value === key.value) duplicateKey(key, e.key)
    }
    if (n === 15) bigMaps.set(m, new Map([...m.entries.map(e => [e.key.value, e.key] as const), [key.value, key]]))
  } else {
    const index = bigMaps.get(m) as Map<string, YScalar>
    const prev = index.get(key.value)
    if (prev !== undefined) duplicateKey(key, prev)
    index.set(key.value, key)
  }
  m.entries.push({ key, value })
}

function duplicateKey (key: YScalar, prev: YScalar): never {
  throw new SdlError('DUPLICATE_KEY', `mapping key "${key.value}" already defined at line ${prev.line}`,
    { path: '', line: key.line, column: key.col, expected: 'unique keys in a mapping' })
}

// yaml.v3 (and the `yaml` package) reject a mapping that repeats a key.
function checkUniqueKeys (root: YNode): void {
  const stack: YNode[] = [root]
  const seen = new Set<YNode>()
  while (stack.length > 0) {
    const n = stack.pop() as YNode
    if (n.kind === 'scalar' || seen.has(n)) continue
    seen.add(n)
    if (n.kind === 'seq') { for (const i of n.items) stack.push(i); continue }
    const keys = new Map<string, YScalar>()
    for (const e of n.entries) {
      const prev = keys.get(e.key.value)
      if (prev !== undefined) duplicateKey(e.key, prev)
      keys.set(e.key.value, e.key)
      stack.push(e.value)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Slow path: the `yaml` package.

const STR_TAG = 'tag:yaml.org,2002:str'

export function slowParse (input: string): YNode | null {
  const text = normalizeLineBreaks(input)
  let parsed = compose(text)
  let pads: LinePads = NO_PADS
  if (parsed.doc !== undefined && parsed.doc.errors.length > 0) {
    // Go reads flow content whatever its indentation; see yaml-go-compat.ts.
    const padded = padFlowContinuations(text)
    if (padded !== undefined) {
      parsed = compose(padded.text)
      pads = padded.pads
    }
  }
  const { doc, lineCounter } = parsed
  if (doc === undefined) return null
  const first = doc.errors[0]
  if (first !== undefined) {
    const pos = lineCounter.linePos(first.pos[0])
    const msg = first.message.split('\n')[0] ?? first.message
    throw new SdlError('YAML_SYNTAX', `not valid YAML: ${msg}`, { path: '', line: pos.line, column: mapColumn(pads, pos.line, pos.col), expected: 'a YAML document' })
  }
  if (doc.contents === null) return null
  const conv = new Converter(doc, lineCounter, pads, parsed.text)
  return conv.node(doc.contents as YamlLibNode)
}

const NO_PADS: LinePads = new Map()

function compose (text: string): { doc: Document | undefined, lineCounter: LineCounter, text: string } {
  const lineCounter = new LineCounter()
  let docs
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, merge: true, prettyErrors: false, strict: false })
  } catch (err) {
    throw new SdlError('YAML_SYNTAX', `not valid YAML: ${String((err as Error)?.message ?? err)}`, { path: '' })
  }
  const list = Array.isArray(docs) ? docs : []
  return { doc: list[0], lineCounter, text }
}

class Converter {
  private readonly memo = new Map<unknown, YNode>()
  private aliases = 0
  constructor (private readonly doc: Document, private readonly lc: LineCounter, private readonly pads: LinePads,
    private readonly text: string) {}

  /** A double-quoted scalar's value as yaml.v3 folds escaped line breaks (see yaml-go-compat.ts). */
  private goDoubleQuoted (range: [number, number, number]): string | undefined {
    const source = this.text.slice(range[0], range[1])
    if (!source.includes('\\')) return undefined
    const fixed = goDoubleQuoted(source)
    if (fixed === undefined) return undefined
    // Alone, the scalar is a document's root, where no indentation applies to its lines.
    const alone = parseDocument(fixed, { strict: false })
    const value = alone.contents
    return alone.errors.length === 0 && isScalar(value) && typeof value.value === 'string' ? value.value : undefined
  }

  private pos (n: { range?: [number, number, number] | null }): YPos {
    const p = this.lc.linePos(n.range?.[0] ?? 0)
    return { line: p.line, col: mapColumn(this.pads, p.line, p.col) }
  }

  node (n: unknown): YNode {
    if (isAlias(n)) {
      // Shared, not copied: an alias bomb stays linear in size.
      if (++this.aliases > 10_000) throw new SdlError('YAML_SYNTAX', 'too many YAML aliases', { path: '' })
      const target = n.resolve(this.doc)
      if (target === undefined) {
        const p = this.pos(n)
        throw new SdlError('YAML_SYNTAX', `unknown YAML alias *${n.source}`, { path: '', line: p.line, column: p.col })
      }
      return this.node(target)
    }
    const done = this.memo.get(n)
    if (done !== undefined) return done
    if (isScalar(n)) {
      const p = this.pos(n)
      let src = typeof n.source === 'string' ? n.source : (n.value === null || n.value === undefined ? '' : String(n.value))
      if (n.type === 'QUOTE_DOUBLE' && n.range != null) src = this.goDoubleQuoted(n.range) ?? src
      const plain = n.type === 'PLAIN' && n.tag !== STR_TAG
      const s: YScalar = { kind: 'scalar', value: src, plain, line: p.line, col: p.col }
      this.memo.set(n, s)
      return s
    }
    if (isSeq(n)) {
      const p = this.pos(n)
      const s: YSeq = { kind: 'seq', items: [], line: p.line, col: p.col }
      this.memo.set(n, s)
      for (const item of n.items) s.items.push(item === null ? nullAt(p) : this.node(item))
      return s
    }
    if (isMap(n)) {
      const p = this.pos(n)
      const m: YMap = { kind: 'map', entries: [], line: p.line, col: p.col }
      this.memo.set(n, m)
      const merges: YNode[] = []
      for (const pair of n.items) {
        if (!isPair(pair)) continue
        const k = pair.key === null ? nullAt(p) : this.node(pair.key)
        if (k.kind !== 'scalar') {
          throw new SdlError('WRONG_TYPE', 'mapping keys must be scalars', { path: '', line: k.line, column: k.col, expected: 'a plain key' })
        }
        const v = pair.value === null || pair.value === undefined ? nullAt(k) : this.node(pair.value)
        if (k.plain && k.value === '<<') { merges.push(v); continue }
        m.entries.push({ key: k, value: v })
      }
      // YAML merge keys (yaml.v3 supports them): explicit keys win, then earlier sources.
      for (const src of merges) {
        const sources = src.kind === 'seq' ? src.items : [src]
        for (const s of sources) {
          if (s.kind !== 'map') throw new SdlError('WRONG_TYPE', 'merge key value must be a mapping', { path: '', line: s.line, column: s.col })
          for (const e of s.entries) {
            if (!m.entries.some(x => x.key.value === e.key.value)) m.entries.push(e)
          }
        }
      }
      return m
    }
    return nullAt({ line: 1, col: 1 })
  }
}

function nullAt (p: YPos): YScalar {
  return { kind: 'scalar', value: '', plain: true, line: p.line, col: p.col }
}

// ---------------------------------------------------------------------------------------------
// Fast path.

class GiveUp extends Error {}
const giveUp = (): never => { throw new GiveUp() }

interface Line {
  /** 0-based line number */
  no: number
  indent: number
  /** offset in `text` where content starts (after indent) */
  start: number
  end: number
}

export function fastParse (input: string): YNode | null | undefined {
  try {
    return new FastParser(input).parse()
  } catch (err) {
    if (err instanceof GiveUp) return undefined
    throw err
  }
}

class FastParser {
  private readonly text: string
  private readonly lines: Line[] = []
  private i = 0

  constructor (input: string) {
    let text = input
    if (text.charCodeAt(0) === 0xfeff) giveUp()
    if (text.includes('\r')) {
      text = text.replace(/\r\n/g, '\n')
      if (text.includes('\r')) giveUp()
    }
    if (text.includes('\t')) giveUp()
    this.text = text
    let no = 0
    let pos = 0
    let sawContent = false
    const n = text.length
    while (pos <= n) {
      let end = text.indexOf('\n', pos)
      if (end < 0) end = n
      let s = pos
      while (s < end && text.charCodeAt(s) === 32) s++
      if (s < end && text.charCodeAt(s) !== 35 /* # */) {
        const indent = s - pos
        if (indent === 0) {
          const c = text.charCodeAt(s)
          if (c === 37 /* % */) giveUp()
          if (text.startsWith('---', s) && (end === s + 3 || text.charCodeAt(s + 3) === 32)) {
            if (sawContent) giveUp()
            const rest = this.stripComment(s + 3, end)
            if (rest > s + 3) giveUp()
            no++; pos = end + 1; continue
          }
          if (text.startsWith('...', s) && (end === s + 3 || text.charCodeAt(s + 3) === 32)) giveUp()
        }
        sawContent = true
        this.lines.push({ no, indent, start: s, end })
      }
      no++
      pos = end + 1
    }
  }

  parse (): YNode | null {
    if (this.lines.length === 0) return null
    const first = this.lines[0] as Line
    const node = this.block(first.indent, first.indent === 0 ? -1 : first.indent - 1)
    if (this.i < this.lines.length) giveUp()
    return node
  }

  /** offset of the end of meaningful content in [from, end): strips a ` #` comment and trailing spaces */
  private stripComment (from: number, end: number): number {
    const t = this.text
    let e = end
    for (let k = from; k < end; k++) {
      if (t.charCodeAt(k) === 35 && (k === from || t.charCodeAt(k - 1) === 32)) { e = k; break }
    }
    while (e > from && t.charCodeAt(e - 1) === 32) e--
    return e
  }

  private pos (line: Line, offset: number): YPos {
    return { line: line.no + 1, col: offset - (line.start - line.indent) + 1 }
  }

  /** A block node whose first line is lines[i] at exactly `indent`. */
  private block (indent: number, _parent: number): YNode {
    void _parent
    const line = this.lines[this.i] as Line
    if (line.indent !== indent) giveUp()
    if (this.isSeqItem(line)) return this.seq(indent)
    if (this.keyEnd(line.start, line.end) >= 0) return this.map(indent)
    // a lone scalar (a scalar document, or a scalar on the line after its key)
    this.i++
    const v = this.inlineValue(line, line.start, indent - 1)
    if (v === undefined) giveUp()
    return v as YNode
  }

  private isSeqItem (line: Line): boolean {
    const t = this.text
    return t.charCodeAt(line.start) === 45 /* - */ && (line.start + 1 === line.end || t.charCodeAt(line.start + 1) === 32)
  }

  /**
   * If content [s, end) begins with a mapping key, returns the offset of its ':' ; else -1.
   * Plain keys run to the first ': ' (or ':' at end); quoted keys must be closed on the line.
   */
  private keyEnd (s: number, end: number): number {
    const t = this.text
    const c = t.charCodeAt(s)
    if (c === 34 || c === 39) {
      const close = this.quotedEnd(s, end)
      if (close < 0) return -1
      let k = close
      while (k < end && t.charCodeAt(k) === 32) k++
      if (k < end && t.charCodeAt(k) === 58 && (k + 1 === end || t.charCodeAt(k + 1) === 32)) return k
      return -1
    }
    if (c === 91 || c === 123 || c === 63 /* ? */ || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 64 || c === 96 || c === 37 || c === 44 || c === 93 || c === 125) return -1
    const contentEnd = this.stripComment(s, end)
    for (let k = s; k < contentEnd; k++) {
      if (t.charCodeAt(k) === 58 && (k + 1 === end || t.charCodeAt(k + 1) === 32)) return k
    }
    return -1
  }

  /** offset just after the closing quote of a quoted scalar starting at s, or -1 */
  private quotedEnd (s: number, end: number): number {
    const t = this.text
    const q = t.charCodeAt(s)
    let k = s + 1
    while (k < end) {
      const c = t.charCodeAt(k)
      if (q === 34 && c === 92) { k += 2; continue }
      if (c === q) {
        if (q === 39 && t.charCodeAt(k + 1) === 39) { k += 2; continue }
        return k + 1
      }
      k++
    }
    return -1
  }

  private map (indent: number): YMap {
    const first = this.lines[this.i] as Line
    const m: YMap = { kind: 'map', entries: [], ...this.pos(first, first.start) }
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] as Line
      if (line.indent < indent) break
      if (line.indent > indent) giveUp()
      if (this.isSeqItem(line)) break
      const colon = this.keyEnd(line.start, line.end)
      if (colon < 0) giveUp()
      const key = this.keyScalar(line, line.start, colon)
      this.i++
      let vs = colon + 1
      while (vs < line.end && this.text.charCodeAt(vs) === 32) vs++
      const value = this.valueAfter(line, vs, vs, indent, true)
      addEntry(m, key, value)
    }
    return m
  }

  private keyScalar (line: Line, s: number, colon: number): YScalar {
    const t = this.text
    const c = t.charCodeAt(s)
    const p = this.pos(line, s)
    if (c === 34 || c === 39) {
      const close = this.quotedEnd(s, colon)
      return { kind: 'scalar', value: this.unquote(s, close), plain: false, ...p }
    }
    let e = colon
    while (e > s && t.charCodeAt(e - 1) === 32) e--
    const raw = t.slice(s, e)
    if (raw.includes(' #')) giveUp()
    return { kind: 'scalar', value: raw, plain: true, ...p }
  }

  /**
   * The value of a mapping entry or sequence item whose inline part starts at `vs` on `line`
   * (already consumed). `indent` is the indentation of the owning key or dash.
   */
  private valueAfter (line: Line, vs: number, nullAt: number, indent: number, inMap: boolean): YNode {
    const contentEnd = this.stripComment(vs, line.end)
    if (vs >= contentEnd) {
      // nested block or null
      const next = this.lines[this.i]
      if (next !== undefined && next.indent > indent) return this.block(next.indent, indent)
      // `key:` followed by `- item` at the key's own indentation
      if (next !== undefined && next.indent === indent && inMap && this.isSeqItem(next)) return this.seq(indent)
      return { kind: 'scalar', value: '', plain: true, ...this.pos(line, Math.min(nullAt, line.end)) }
    }
    const v = this.inlineValue(line, vs, indent)
    if (v === undefined) giveUp()
    return v as YNode
  }

  /** A scalar, flow collection or block scalar starting at vs on this line. */
  private inlineValue (line: Line, vs: number, indent: number): YNode | undefined {
    const t = this.text
    const c = t.charCodeAt(vs)
    const p = this.pos(line, vs)
    const contentEnd = this.stripComment(vs, line.end)
    if (c === 34 || c === 39) {
      const close = this.quotedEnd(vs, line.end)
      if (close < 0) return undefined
      if (this.stripComment(close, line.end) !== close) return undefined
      this.checkNoContinuation(indent)
      return { kind: 'scalar', value: this.unquote(vs, close), plain: false, ...p }
    }
    if (c === 91 || c === 123) {
      const fp = new FlowParser(t, vs, contentEnd, line, this)
      const node = fp.parse()
      this.checkNoContinuation(indent)
      return node
    }
    if (c === 124 || c === 62) return this.blockScalar(line, vs, contentEnd, indent)
    if (c === 38 || c === 42 || c === 33 || c === 37 || c === 64 || c === 96 || c === 63 || c === 44 || c === 93 || c === 125) return undefined
    if (c === 45 && (vs + 1 === contentEnd || t.charCodeAt(vs + 1) === 32)) return undefined // `- - x`
    const raw = t.slice(vs, contentEnd)
    if (raw.includes(': ') || raw.endsWith(':')) return undefined
    this.checkNoContinuation(indent)
    return { kind: 'scalar', value: raw, plain: true, ...p }
  }

  /** A more-indented line right after an inline value is a multi-line scalar (or an error). */
  private checkNoContinuation (indent: number): void {
    const next = this.lines[this.i]
    if (next !== undefined && next.indent > indent) giveUp()
  }

  private blockScalar (line: Line, vs: number, contentEnd: number, indent: number): YScalar {
    const t = this.text
    const literal = t.charCodeAt(vs) === 124
    let chomp: 'clip' | 'strip' | 'keep' = 'clip'
    let explicit = 0
    for (let k = vs + 1; k < contentEnd; k++) {
      const c = t[k]
      if (c === '-') chomp = 'strip'
      else if (c === '+') chomp = 'keep'
      else if (c !== undefined && c >= '1' && c <= '9') explicit = Number(c)
      else giveUp()
    }
    const p = this.pos(line, vs)
    // The body: raw lines after the header up to the first content line indented <= indent.
    let j = this.i
    while (j < this.lines.length && (this.lines[j] as Line).indent > indent) j++
    const stop = this.lines[j]
    const bodyEnd = stop === undefined ? t.length : stop.start - stop.indent
    this.i = j
    const body = line.end + 1 <= bodyEnd ? t.slice(line.end + 1, bodyEnd) : ''
    const rawLines = body.split('\n')
    if (body.endsWith('\n')) rawLines.pop()
    let contentIndent = explicit > 0 ? Math.max(indent, 0) + explicit : -1
    if (contentIndent < 0) {
      for (const rl of rawLines) {
        const lead = rl.length - rl.trimStart().length
        if (rl.trim().length > 0) { contentIndent = lead; break }
        if (lead > 0) giveUp() // leading spaces-only lines: rare, leave to the library
      }
    }
    if (explicit > 0 && indent < 0) giveUp()
    const out: string[] = []
    for (const rl of rawLines) {
      if (rl.trim().length === 0) {
        if (contentIndent >= 0 && rl.length > contentIndent) giveUp()
        out.push('')
        continue
      }
      const lead = rl.length - rl.trimStart().length
      if (contentIndent < 0 || lead < contentIndent) giveUp()
      out.push(rl.slice(contentIndent))
    }
    // trailing blank lines are governed by chomping
    let lastContent = out.length - 1
    while (lastContent >= 0 && (out[lastContent] as string).length === 0) lastContent--
    const contentLines = out.slice(0, lastContent + 1)
    const trailingBlank = out.length - 1 - lastContent
    let value: string
    if (literal) {
      value = contentLines.join('\n')
    } else {
      // folded: only the simple case (no blank or more-indented lines inside)
      for (const cl of contentLines) if (cl.length === 0 || cl.startsWith(' ')) giveUp()
      value = contentLines.join(' ')
    }
    if (contentLines.length > 0) {
      if (chomp === 'clip') value += '\n'
      else if (chomp === 'keep') value += '\n' + '\n'.repeat(trailingBlank)
    } else if (chomp === 'keep') {
      value = '\n'.repeat(trailingBlank)
    }
    return { kind: 'scalar', value, plain: false, ...p }
  }

  private seq (indent: number): YSeq {
    const first = this.lines[this.i] as Line
    const s: YSeq = { kind: 'seq', items: [], ...this.pos(first, first.start) }
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] as Line
      if (line.indent < indent) break
      if (line.indent > indent) giveUp()
      if (!this.isSeqItem(line)) break
      let vs = line.start + 1
      while (vs < line.end && this.text.charCodeAt(vs) === 32) vs++
      const contentEnd = this.stripComment(vs, line.end)
      if (vs < contentEnd && this.keyEnd(vs, line.end) >= 0) {
        // `- key: value` starts a mapping at the key's column: re-read this line from there
        line.indent = vs - (line.start - line.indent)
        line.start = vs
        s.items.push(this.map(line.indent))
        continue
      }
      this.i++
      s.items.push(this.valueAfter(line, vs, vs, indent, false))
    }
    return s
  }

  unquote (s: number, close: number): string {
    const t = this.text
    if (t.charCodeAt(s) === 39) return t.slice(s + 1, close - 1).replace(/''/g, "'")
    const inner = t.slice(s + 1, close - 1)
    if (!inner.includes('\\')) return inner
    return unescapeDouble(inner)
  }

  linePos (line: Line, offset: number): YPos { return this.pos(line, offset) }
}

const ESCAPES: Record<string, string> = {
  0: '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029'
}

function unescapeDouble (s: string): string {
  let out = ''
  for (let k = 0; k < s.length; k++) {
    const c = s[k] as string
    if (c !== '\\') { out += c; continue }
    const e = s[k + 1]
    if (e === undefined) giveUp()
    const simple = ESCAPES[e as string]
    if (simple !== undefined) { out += simple; k++; continue }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0
    if (len === 0) giveUp()
    const hex = s.slice(k + 2, k + 2 + len)
    if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) giveUp()
    const cp = parseInt(hex, 16)
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) giveUp()
    out += String.fromCodePoint(cp)
    k += 1 + len
  }
  return out
}

/** Single-line flow collections: `[a, "b"]`, `{k: v}`. */
class FlowParser {
  private k: number
  constructor (private readonly t: string, start: number, private readonly end: number,
    private readonly line: Line, private readonly owner: FastParser) {
    this.k = start
  }

  parse (): YNode {
    const n = this.value()
    this.ws()
    if (this.k !== this.end) giveUp()
    return n
  }

  private ws (): void { while (this.k < this.end && this.t.charCodeAt(this.k) === 32) this.k++ }

  private value (): YNode {
    this.ws()
    const c = this.t.charCodeAt(this.k)
    const p = this.owner.linePos(this.line, this.k)
    if (c === 91) {
      this.k++
      const s: YSeq = { kind: 'seq', items: [], ...p }
      this.ws()
      if (this.t.charCodeAt(this.k) === 93) { this.k++; return s }
      for (;;) {
        const item = this.value()
        this.ws()
        if (this.t.charCodeAt(this.k) === 58) giveUp() // implicit pair in a flow sequence
        s.items.push(item)
        const d = this.t.charCodeAt(this.k)
        if (d === 44) {
          this.k++; this.ws()
          if (this.t.charCodeAt(this.k) === 93) { this.k++; return s }
          continue
        }
        if (d === 93) { this.k++; return s }
        giveUp()
      }
    }
    if (c === 123) {
      this.k++
      const m: YMap = { kind: 'map', entries: [], ...p }
      this.ws()
      if (this.t.charCodeAt(this.k) === 125) { this.k++; return m }
      for (;;) {
        const key = this.value()
        if (key.kind !== 'scalar') giveUp()
        this.ws()
        let value: YNode
        if (this.t.charCodeAt(this.k) === 58) {
          this.k++
          this.ws()
          const d = this.t.charCodeAt(this.k)
          value = d === 44 || d === 125 ? giveUp() : this.value()
        } else {
          giveUp()
        }
        addEntry(m, key as YScalar, value!)
        this.ws()
        const d = this.t.charCodeAt(this.k)
        if (d === 44) {
          this.k++; this.ws()
          if (this.t.charCodeAt(this.k) === 125) { this.k++; return m }
          continue
        }
        if (d === 125) { this.k++; return m }
        giveUp()
      }
    }
    if (c === 34 || c === 39) {
      const close = this.quotedEnd()
      const v = this.owner.unquote(this.k, close)
      this.k = close
      return { kind: 'scalar', value: v, plain: false, ...p }
    }
    if (c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === 37 || c === 64 || c === 96 || c === 63 || c === 35) giveUp()
    // plain scalar in flow context: ends at , [ ] { } or ': '
    const s = this.k
    while (this.k < this.end) {
      const d = this.t.charCodeAt(this.k)
      if (d === 44 || d === 91 || d === 93 || d === 123 || d === 125) break
      if (d === 58 && (this.k + 1 >= this.end || this.t.charCodeAt(this.k + 1) === 32 || this.t.charCodeAt(this.k + 1) === 44)) break
      if (d === 35 && this.t.charCodeAt(this.k - 1) === 32) giveUp()
      this.k++
    }
    let e = this.k
    while (e > s && this.t.charCodeAt(e - 1) === 32) e--
    if (e === s) giveUp()
    return { kind: 'scalar', value: this.t.slice(s, e), plain: true, ...p }
  }

  private quotedEnd (): number {
    const q = this.t.charCodeAt(this.k)
    let k = this.k + 1
    while (k < this.end) {
      const c = this.t.charCodeAt(k)
      if (q === 34 && c === 92) { k += 2; continue }
      if (c === q) {
        if (q === 39 && this.t.charCodeAt(k + 1) === 39) { k += 2; continue }
        return k + 1
      }
      k++
    }
    return giveUp()
  }
}
