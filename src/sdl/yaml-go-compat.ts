/**
 * Go yaml.v3 parity for the `yaml` package: where yaml.v3 (a port of libyaml's scanner, which
 * Akash's Go SDL parser uses) reads a document that the `yaml` package refuses, or reads it
 * differently. Each is handled by rewriting source text so that the `yaml` package reads the
 * values Go reads; the `yaml` package still does all the parsing:
 *
 * - Line breaks: libyaml reads a lone CR as a line break (like LF and CRLF); the `yaml` package
 *   reads it as content. `normalizeLineBreaks` turns a lone CR into LF (same offsets).
 * - Escaped line breaks: in a double-quoted string, yaml.v3 keeps one line feed for each blank
 *   line after a `\` line break (YAML 1.2 s-double-escaped); the `yaml` package folds the first
 *   of them into a space ("a\\⏎⏎b" is "a\nb" in Go, "a b" there). `goDoubleQuoted` rewrites
 *   such a string's source into one the `yaml` package folds as Go does; the string's value is
 *   then read from it alone, so its positions do not matter.
 * - Indentation of flow content: libyaml applies no block indentation inside a quoted scalar or
 *   a flow collection (`[...]`, `{...}`); their continuation lines may sit at any column, even 0,
 *   and only a document marker (`---` or `...` at column 0) or the end of input stops them. The
 *   `yaml` package wants every continuation line indented past the parent block node, so a
 *   multi-line string whose lines start under the list dash is a syntax error there.
 *   `padFlowContinuations` indents those lines further. Leading white space on a continuation
 *   line of flow content is dropped by line folding (YAML 1.2 §6.5/7.3, libyaml alike), so the
 *   padding changes no value; only columns move, and `mapColumn` maps them back.
 *
 * The `yaml` package has no option for these (`strict: false` does not reach its lexer), and
 * its errors cannot just be downgraded: its lexer ends the quoted string at the first such line,
 * so the value it built is wrong ("FOO=" for 'FOO=a\n  b').
 *
 * Nothing here decides what a flow node is: the `yaml` package's lexer finds the node it cut
 * short, and lexing the node again on its own (at the top level, where no indentation applies)
 * finds where it really ends, exactly as libyaml does. The few rules by which libyaml still
 * rejects such a node are checked before padding it (see `flowNodeEnd`).
 */
import { Lexer } from 'yaml'

/** Spaces inserted at the start of some lines (0-based line index → count). */
export type LinePads = ReadonlyMap<number, number>

export interface PaddedText {
  text: string
  pads: LinePads
}

/** libyaml: CR, LF and CRLF all break lines. A lone CR becomes LF; offsets do not move. */
export function normalizeLineBreaks (text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text
}

/** A 1-based column of the padded text, as a column of the original text. */
export function mapColumn (pads: LinePads, line: number, col: number): number {
  const pad = pads.get(line - 1)
  return pad === undefined ? col : Math.max(1, col - pad)
}

/**
 * The source of a double-quoted scalar (quotes included) rewritten so that the `yaml` package,
 * reading it alone, folds it as yaml.v3 does, or undefined when it needs no change. After an
 * escaped line break, yaml.v3 gives each following blank line a line feed; the `yaml` package
 * folds them as after a plain line break, the first one into nothing (one blank line is a
 * space, two are one line feed). One more blank line after each such escaped break makes the
 * two agree; what comes before the break is read alike by both.
 */
export function goDoubleQuoted (source: string): string | undefined {
  let out = ''
  let copied = 0
  for (let i = 1; i < source.length - 1; i++) {
    if (source.charCodeAt(i) !== 0x5c) continue // \
    let k = i + 1
    if (source[k] === '\r' && source[k + 1] === '\n') k++
    if (source[k] !== '\n') { i++; continue } // another escape: skip its first character
    if (blankLineFollows(source, k + 1)) {
      out += source.slice(copied, k + 1) + '\n'
      copied = k + 1
    }
    i = k
  }
  return copied === 0 ? undefined : out + source.slice(copied)
}

/** Whether the line starting at `from` holds only spaces and tabs (and a line break follows). */
function blankLineFollows (text: string, from: number): boolean {
  for (let k = from; k < text.length; k++) {
    const c = text[k]
    if (c === '\n' || (c === '\r' && text[k + 1] === '\n')) return true
    if (c !== ' ' && c !== '\t') return false
  }
  return false
}

// The lexer's control tokens (yaml's CST.DOCUMENT, CST.FLOW_END, CST.SCALAR): not source text.
const DOCUMENT = '\x02'
const FLOW_END = '\x18'
const SCALAR = '\x1f'

/**
 * The text with the continuation lines of every multi-line flow node that the `yaml` package
 * cuts short padded, or undefined when there is none, or when Go rejects one of them too
 * (unterminated, a document marker inside, or a rule of `flowNodeEnd`): then the `yaml`
 * package's own error stands.
 *
 * One pass: the lexer's tokens are meaningless after a cut, so lexing resumes on the line after
 * the node's real end with a fresh lexer. The yaml lexer's indentation state is rebuilt on every
 * line that has a `-`, `?` or `:` indicator, which is every line that can follow a node in block
 * context, so the fresh lexer goes on as the original would over the padded text.
 */
export function padFlowContinuations (text: string): PaddedText | undefined {
  const regions: Array<{ start: number, end: number }> = []
  let from = 0
  while (from < text.length) {
    const cut = firstCut(text, from)
    if (cut === undefined) break
    const end = flowNodeEnd(text, cut.start, cut.indent)
    if (end === undefined) return undefined
    regions.push({ start: cut.start, end })
    const nl = text.indexOf('\n', end)
    from = nl < 0 ? text.length : nl + 1
  }
  return regions.length === 0 ? undefined : padLines(text, regions)
}

interface Cut {
  /** offset of the opening quote, or of the outermost `[` / `{` */
  start: number
  /**
   * For a flow collection, Go's indentation for it (libyaml's parser.indent + 1: one past the
   * column of the innermost block collection holding it); a tab before that column on a line
   * that continues a plain scalar is an error in Go.
   */
  indent: number
}

/**
 * The first flow node in block context that the lexer cut short: a quoted scalar token that
 * stops before its closing quote, or a flow collection ended by a FLOW_END token. After such a
 * cut the rest of the token stream is no longer meaningful, so only the first one is returned.
 */
function firstCut (text: string, from: number): Cut | undefined {
  let offset = from
  let depth = 0
  let start = -1
  let indent = 0
  let scalarBody = false
  let lineStart = from
  // Column of the innermost block collection (libyaml's parser.indent): every entry of a block
  // collection starts at its column, so it is the column of the last `-`, `?` or key seen.
  let blockCol = -1
  let nodeCol = -1 // first token of the node since the last indicator on this line (a key, if `:` follows)
  for (const tok of new Lexer().lex(text.slice(from))) {
    if (tok === DOCUMENT) continue
    if (tok === SCALAR) { scalarBody = true; continue }
    if (tok === FLOW_END) return start >= 0 ? { start, indent } : undefined
    const at = offset
    offset += tok.length
    const c = tok.charCodeAt(0)
    if (scalarBody) {
      scalarBody = false // a plain or block scalar's text
      if (depth === 0 && nodeCol < 0) nodeCol = at - lineStart
      const nl = tok.lastIndexOf('\n')
      if (nl >= 0) { lineStart = at + nl + 1; nodeCol = -1 }
      continue
    }
    if (c === 0x0a || c === 0x0d) { // newline
      lineStart = offset
      nodeCol = -1
      continue
    }
    if (c === 0x5b || c === 0x7b) { // [ {
      if (depth === 0) {
        start = at
        indent = blockCol + 1
        if (nodeCol < 0) nodeCol = at - lineStart
      }
      depth++
    } else if (c === 0x5d || c === 0x7d) { // ] }
      if (depth > 0) depth--
    } else if (c === 0x27 || c === 0x22) { // ' "
      const close = quotedEnd(text, at)
      if (close === undefined) return undefined // never closes: Go rejects it as well
      if (at + tok.length < close) return { start: depth > 0 ? start : at, indent }
      if (depth === 0 && nodeCol < 0) nodeCol = at - lineStart
    } else if (depth === 0) {
      if ((c === 0x2d || c === 0x3f) && tok.length === 1) { blockCol = at - lineStart; nodeCol = -1 } // - ?
      else if (c === 0x3a && tok.length === 1) { blockCol = nodeCol >= 0 ? nodeCol : at - lineStart; nodeCol = -1 } // :
      else if (c === 0x26 || c === 0x21 || c === 0x2a) { if (nodeCol < 0) nodeCol = at - lineStart } // & ! *
      else if (tok.startsWith('---') || tok.startsWith('...')) { blockCol = -1; nodeCol = -1 }
    }
    if (tok.includes('\n')) { lineStart = at + tok.lastIndexOf('\n') + 1; nodeCol = -1 }
  }
  return undefined
}

/**
 * Where the flow node starting at `start` ends (just past its closing quote or bracket), read
 * as libyaml reads it: no indentation rule, stopped only by the end of input or a document
 * marker at column 0. Undefined when Go rejects the node, and so also when, inside a collection,
 * - a line that continues a plain scalar has a tab in its leading white space before column
 *   `indent` (libyaml: "found a tab character that violates indentation"), or
 * - an implicit key does not end on the line where it starts, or is missing (`{a\n: b}`,
 *   `{: b}`; libyaml: "did not find expected ',' or '}'"), or
 * - a `- ` block entry appears (libyaml: "did not find expected node content").
 */
function flowNodeEnd (text: string, start: number, indent: number): number | undefined {
  const c = text.charCodeAt(start)
  if (c === 0x27 || c === 0x22) {
    const end = quotedEnd(text, start)
    if (end === undefined || hasDocumentMarker(text, start, end)) return undefined
    return end
  }
  // Lexed on its own, the collection is at the top level, where the lexer applies no
  // indentation and ends it only at its closing bracket (or cuts it at a document marker).
  let offset = start
  let scalarBody = false
  let plainFrom = -1 // start of a plain scalar not yet followed by another token
  // Per open collection: where the current entry's first node starts, or an entry state.
  const entry: number[] = []
  const setNode = (at: number): void => {
    if (entry[entry.length - 1] === NO_NODE) entry[entry.length - 1] = at
  }
  for (const tok of new Lexer().lex(text.slice(start))) {
    if (tok === DOCUMENT) continue
    if (tok === SCALAR) { scalarBody = true; continue }
    if (tok === FLOW_END) return undefined
    const at = offset
    offset += tok.length
    if (scalarBody) {
      scalarBody = false
      if (plainFrom < 0) plainFrom = at
      setNode(at)
      continue
    }
    const d = tok.charCodeAt(0)
    if (d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) continue // white space and line breaks
    if (plainFrom >= 0) {
      if (tabBeforeIndent(text, plainFrom, at, indent)) return undefined
      plainFrom = -1
    }
    if (d === 0x5b || d === 0x7b) { // [ {
      setNode(at)
      entry.push(NO_NODE)
    } else if (d === 0x5d || d === 0x7d) { // ] }
      entry.pop()
      if (entry.length === 0) return hasDocumentMarker(text, start, offset) ? undefined : offset
    } else if (d === 0x2c) { // ,
      entry[entry.length - 1] = NO_NODE
    } else if (d === 0x2d && tok.length === 1) { // - (the lexer emits it only before a blank)
      return undefined
    } else if (d === 0x3f && tok.length === 1) { // ? explicit key: its value may come on a later line
      entry[entry.length - 1] = IN_VALUE
    } else if (d === 0x3a && tok.length === 1) { // :
      const key = entry[entry.length - 1] as number
      if (key === NO_NODE || (key >= 0 && text.lastIndexOf('\n', at) > key)) return undefined
      entry[entry.length - 1] = IN_VALUE
    } else if (d === 0x27 || d === 0x22) { // ' "
      if (quotedEnd(text, at) !== offset) return undefined // a quoted scalar inside that never closes
      setNode(at)
    } else if (d === 0x26 || d === 0x21 || d === 0x2a) { // & ! *
      setNode(at)
    }
  }
  return undefined
}

const NO_NODE = -1
const IN_VALUE = -2

/** Whether a line that starts inside [from, to) has a tab in its leading white space before column `indent`. */
function tabBeforeIndent (text: string, from: number, to: number, indent: number): boolean {
  for (let nl = text.indexOf('\n', from); nl >= 0 && nl < to; nl = text.indexOf('\n', nl + 1)) {
    for (let k = nl + 1; k < to && k - nl - 1 < indent; k++) {
      const ch = text.charCodeAt(k)
      if (ch === 0x09) return true
      if (ch !== 0x20) break
    }
  }
  return false
}

/**
 * Just past the closing quote of the quoted scalar at `start` (the lexer's own first step: the
 * next quote not doubled ('') or backslash-escaped), or undefined when it never closes.
 */
function quotedEnd (text: string, start: number): number | undefined {
  const q = text[start] as string
  let k = start + 1
  for (;;) {
    const end = text.indexOf(q, k)
    if (end < 0) return undefined
    if (q === "'") {
      if (text[end + 1] === "'") { k = end + 2; continue }
      return end + 1
    }
    let slashes = 0
    while (text[end - 1 - slashes] === '\\') slashes++
    if (slashes % 2 === 0) return end + 1
    k = end + 1
  }
}

/** libyaml ends flow content at `---` or `...` at column 0 followed by a blank or the end. */
function hasDocumentMarker (text: string, start: number, end: number): boolean {
  for (let nl = text.indexOf('\n', start); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) {
    const m = text.slice(nl + 1, nl + 4)
    if (m === '---' || m === '...') {
      const after = text[nl + 4]
      if (after === undefined || after === ' ' || after === '\t' || after === '\n' || after === '\r') return true
    }
  }
  return false
}

/**
 * Pads each line that starts inside a region to one column past the region's first character:
 * at or beyond the indentation the `yaml` package asks of anything inside the node.
 */
function padLines (text: string, regions: ReadonlyArray<{ start: number, end: number }>): PaddedText {
  const pads = new Map<number, number>()
  const parts: string[] = []
  let copied = 0
  let line = 0
  let lineStart = 0
  let scanned = 0 // line breaks before `scanned` are counted in `line`
  const advance = (to: number): void => {
    for (let nl = text.indexOf('\n', scanned); nl >= 0 && nl < to; nl = text.indexOf('\n', nl + 1)) {
      line++
      lineStart = nl + 1
    }
    scanned = to
  }
  for (const { start, end } of regions) {
    advance(start)
    const want = start - lineStart + 1
    for (let nl = text.indexOf('\n', start); nl >= 0 && nl + 1 < end; nl = text.indexOf('\n', nl + 1)) {
      const ls = nl + 1
      let spaces = 0
      while (text.charCodeAt(ls + spaces) === 0x20) spaces++
      if (spaces >= want) continue
      advance(ls)
      parts.push(text.slice(copied, ls), ' '.repeat(want - spaces))
      copied = ls
      pads.set(line, want - spaces)
    }
  }
  parts.push(text.slice(copied))
  return { text: parts.join(''), pads }
}
