import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseYaml, slowParse } from '../../../src/sdl/yaml-ast.js'
import type { YNode } from '../../../src/sdl/yaml-ast.js'
import { goDoubleQuoted, normalizeLineBreaks, padFlowContinuations } from '../../../src/sdl/yaml-go-compat.js'
import { isSdlError, parseSdl } from '../../../src/sdl/index.js'
import type { SdlError } from '../../../src/sdl/index.js'
import { readFixture } from './fixtures.js'

/** The tree as plain JS values (what Go's decoder would see), dropping positions. */
function plain (n: YNode | null): unknown {
  if (n === null) return null
  if (n.kind === 'scalar') return n.value
  if (n.kind === 'seq') return n.items.map(plain)
  return Object.fromEntries(n.entries.map(e => [e.key.value, plain(e.value)]))
}

function yamlError (text: string): SdlError {
  try { parseYaml(text) } catch (e) {
    if (isSdlError(e)) return e
    throw e
  }
  throw new Error('accepted')
}

/*
 * Expected values below were checked against gopkg.in/yaml.v3 v3.0.1 (the version Akash's Go SDL
 * parser uses): yaml.Unmarshal into a yaml.Node, then the same plain projection.
 */
describe('YAML that Go yaml.v3 reads and the yaml package refuses or reads otherwise', () => {
  it('folds a quoted list item whose continuation lines sit at the dash column', () => {
    const text = "env:\n  - 'FOO=a\n  b'\n  - \"BAR=c\n  d\"\n  - BAZ=e\n"
    expect(plain(parseYaml(text))).toEqual({ env: ['FOO=a b', 'BAR=c d', 'BAZ=e'] })
  })

  it.each<[string, string, unknown]>([
    ['left of the dash', "env:\n  - 'a\n b'\n", { env: ['a b'] }],
    ['at column 0', "env:\n  - 'a\nb'\n", { env: ['a b'] }],
    ['an indentless list', "env:\n- \"a\nb\"\n", { env: ['a b'] }],
    ['a mapping value at the key column', "a:\n  b: 'x\n  y'\n  c: 1\n", { a: { b: 'x y', c: '1' } }],
    ['a nested list item', "a:\n  - - 'x\n  y'\n", { a: [['x y']] }],
    ['a mapping in a list', "a:\n  - b: 'x\n  y'\n    c: 2\n", { a: [{ b: 'x y', c: '2' }] }],
    ['a top-level value', "a: 'x\ny'\n", { a: 'x y' }],
    ['blank lines (each one a newline)', "e:\n  - 'a\n  b\n\n  c\n\n\n  d'\n", { e: ['a b\nc\n\nd'] }],
    ['trailing spaces before a break', "e:\n  - 'a   \n  b'\n", { e: ['a b'] }],
    ['a tab-indented continuation', "a:\n  b: 'x\n\ty'\n", { a: { b: 'x y' } }],
    ['a doubled single quote', "e:\n  - 'it''s\nfine'\n", { e: ["it's fine"] }],
    ['a double-quoted escaped line break', 'e:\n  - "x\\\ny"\n', { e: ['xy'] }],
    ['a double-quoted escape on the next line', 'e:\n  - "x\n\\ty"\n', { e: ['x \ty'] }],
    ['a # that is not a comment', "e:\n  - 'x\n  # y'\n", { e: ['x # y'] }],
    ['a comment after the closing quote', "a:\n  b: 'x\n  y' # note\n  c: 1\n", { a: { b: 'x y', c: '1' } }],
    ['an anchor and an alias', "a:\n  - &v 'x\n  y'\n  - *v\n", { a: ['x y', 'x y'] }],
    ['a flow list wrapped at column 0', 'a:\n  b: [x,\ny]\n', { a: { b: ['x', 'y'] } }],
    ['a flow list closed at the dash column', 'a:\n  - [x,\n  y]\n  - z\n', { a: [['x', 'y'], 'z'] }],
    ['a flow mapping wrapped', 'a:\n  b: {x: 1,\ny: 2}\n', { a: { b: { x: '1', y: '2' } } }],
    ['nested flow collections', 'a:\n  b: [x, [y,\nz], {k: v,\n l: w}]\n', { a: { b: ['x', ['y', 'z'], { k: 'v', l: 'w' }] } }],
    ['a quoted scalar inside a flow list', "a:\n  b: [x,\n  'y\nz']\n", { a: { b: ['x', 'y z'] } }],
    ['a comment line inside a flow list', 'a:\n  b: [x,\n# c\ny]\n', { a: { b: ['x', 'y'] } }],
    ['a tab after a comma in a flow list', 'a:\n  b: [x,\n\ty]\n', { a: { b: ['x', 'y'] } }]
  ])('accepts a multi-line flow node with %s', (_what, text, value) => {
    expect(plain(parseYaml(text))).toEqual(value)
  })

  // The `yaml` package reads these but folds the first blank line after the escape into a space.
  it.each<[string, string, string]>([
    ['one blank line', 'k: "a\\\n\n  b"\n', 'a\nb'],
    ['two blank lines', 'k: "a\\\n\n\n  b"\n', 'a\n\nb'],
    ['white space before the escape (kept)', 'k: "a \\\n\n  b"\n', 'a \nb'],
    ['a folded line break before it', 'k: "a\n  \\\n\n  b"\n', 'a \nb'],
    ['two escaped line breaks in a row', 'k: "a\\\n  \\\n\n  b"\n', 'a\nb'],
    ['a CRLF file', 'k: "a\\\r\n\r\n  b"\r\n', 'a\nb'],
    ['no blank line (unchanged)', 'k: "a\\\n  b"\n', 'ab']
  ])('gives a line feed per blank line after an escaped line break: %s', (_what, text, value) => {
    expect(plain(parseYaml(text))).toEqual({ k: value })
  })

  it('does the same in a string wrapped under the list dash', () => {
    expect(plain(parseYaml('e:\n  - "x=1 \\\n\n  y=2"\n'))).toEqual({ e: ['x=1 \ny=2'] })
    expect(goDoubleQuoted('"a\\\n\nb"')).toBe('"a\\\n\n\nb"')
    expect(goDoubleQuoted('"a\\\\\n\nb"')).toBeUndefined() // an escaped backslash, then a plain break
  })

  it('reads a lone CR as a line break, as libyaml does', () => {
    expect(plain(parseYaml('a: 1\rb: "x\ry"\r'))).toEqual({ a: '1', b: 'x y' })
    expect(plain(parseYaml('a: |\r  x\r  y\r'))).toEqual({ a: 'x\ny\n' })
    expect(normalizeLineBreaks('a\r\nb\rc')).toBe('a\r\nb\nc')
  })

  it('keeps the original line and column of every node', () => {
    const t = slowParse("env:\n  - 'a\nb'\n  - c\nx: [1,\n2]\n")
    expect(t).toMatchObject({
      entries: [
        { value: { line: 2, col: 3, items: [{ value: 'a b', line: 2, col: 5 }, { value: 'c', line: 4, col: 5 }] } },
        { key: { value: 'x', line: 5, col: 1 }, value: { line: 5, col: 4, items: [{ line: 5, col: 5 }, { value: '2', line: 6, col: 1 }] } }
      ]
    })
  })

  it('pads only the continuation lines, by as much as needed', () => {
    const r = padFlowContinuations("a:\n  - 'x\ny\n      z'\n")
    expect(r?.text).toBe("a:\n  - 'x\n     y\n      z'\n")
    expect([...(r?.pads ?? [])]).toEqual([[2, 5]])
    expect(padFlowContinuations('a:\n  - b\n')).toBeUndefined()
  })

  it('handles many such strings in linear time', () => {
    const text = 'env:\n' + Array.from({ length: 3000 }, (_, i) => `  - 'K${i}=a\n  b'\n`).join('')
    const t0 = performance.now()
    const v = plain(parseYaml(text)) as { env: string[] }
    expect(v.env).toHaveLength(3000)
    expect(v.env[2999]).toBe('K2999=a b')
    expect(performance.now() - t0).toBeLessThan(10_000)
  })
})

describe('YAML that Go yaml.v3 rejects stays a typed error', () => {
  // Each is rejected by yaml.v3 too (its message in the comment); the position is where the
  // `yaml` package stops, in the original text.
  it.each<[string, string, number, number]>([
    // found unexpected document indicator: libyaml ends flow content at a marker in column 0
    ['a document start inside a quoted string', "a:\n  - 'x\n---\n  y'\n", 2, 7],
    // did not find expected node content
    ['a document end inside a flow list', 'a:\n  b: [x,\n...\n  y]\n', 3, 1],
    // found unexpected end of stream
    ['an unterminated quoted string', "a:\n  - 'x\n  y\n", 4, 1],
    // did not find expected ',' or ']'
    ['an unterminated flow list', 'a:\n  b: [x,\n  y\n', 3, 3],
    // found a tab character that violates indentation (the line after a plain scalar)
    ['a tab before the block indentation after a plain scalar', 'a:\n  b: [x\n\t, y]\n', 3, 2],
    // did not find expected ',' or '}': an implicit key is one line long
    ['a flow key split over two lines', 'a:\n  b: {x\n: y}\n', 3, 1],
    // did not find expected node content: a block entry inside a flow collection
    ['a dash entry in a flow list', 'a:\n  b: [x,\n- y]\n', 3, 1],
    // mapping values are not allowed in this context
    ['a multi-line implicit key', "a:\n  'x\n  y': 1\n", 2, 3],
    // could not find expected ':' (plain scalars do follow block indentation)
    ['plain text continued at the dash column', 'env:\n  - a\n  b\n', 3, 1]
  ])('rejects %s', (_what, text, line, column) => {
    const e = yamlError(text)
    expect({ code: e.code, path: e.path, line: e.line, column: e.column }).toEqual({ code: 'YAML_SYNTAX', path: '', line, column })
  })

  it('does not pad a node Go rejects', () => {
    expect(padFlowContinuations("a:\n  - 'x\n---\n  y'\n")).toBeUndefined()
    expect(padFlowContinuations('a:\n  b: [x\n\t, y]\n')).toBeUndefined()
    expect(padFlowContinuations('a:\n  b: {x\n: y}\n')).toBeUndefined()
  })

  it('reports syntax errors after a repaired string at their original position', () => {
    const e = yamlError("env:\n  - 'a\nb'\n  - c: d: e\n")
    expect({ code: e.code, line: e.line, column: e.column }).toEqual({ code: 'YAML_SYNTAX', line: 4, column: 8 })
  })

  it('never lets anything but an SdlError escape (property)', () => {
    const token = fc.constantFrom('a:\n', '  - ', '  b: ', "'", '"', '[', ']', '{', '}', ',', '\n', '  ', '\t', 'x', ': ', '# c', '---\n', '\\', '- ', '&a ', '*a', '\r')
    fc.assert(fc.property(fc.array(token, { maxLength: 30 }).map(t => t.join('')), text => {
      try { parseYaml(text) } catch (e) {
        if (!isSdlError(e)) throw e
      }
    }), { numRuns: 2000 })
  })
})

describe('an SDL written with wrapped strings and lists parses as Go parses it', () => {
  const r = parseSdl(readFixture('go-compat/yaml-flow-indent.yaml'))
  const api = r.manifest[0]?.services.find(s => s.name === 'api')
  const db = r.manifest[0]?.services.find(s => s.name === 'db')

  it('folds env values, commands and args', () => {
    expect(api?.env).toEqual(expect.arrayContaining([
      'DATABASE_URL=postgres://orders:orders@db:5432/orders ?sslmode=disable&application_name=orders-api',
      'JAVA_OPTS=-Xms256m -Xmx768m -XX:+UseG1GC',
      'GREETING=Hello, world',
      'BANNER=line one\nline two',
      'MOTD=flush left',
      'LOG_LEVEL=info'
    ]))
    expect(api?.env).toHaveLength(6)
    expect(api?.command).toEqual(['sh', '-c', 'exec java $JAVA_OPTS -jar /app/orders-api.jar'])
    expect(api?.args).toEqual(['--port', '8080', '--metrics'])
    expect(db?.env).toEqual(expect.arrayContaining(['POSTGRES_INITDB_ARGS=--encoding=UTF8 --locale=C']))
  })

  it('reads wrapped flow lists and mappings in exposes and placement attributes', () => {
    expect(api?.expose[0]?.hosts).toEqual(['orders.example.com', 'api.orders.example.com'])
    expect(r.groups.map(g => g.requirements.attributes)).toEqual([[{ key: 'region', value: 'us-west' }, { key: 'tier', value: 'community' }]])
    expect(r.warnings).toEqual([])
  })

  it('is rejected with a typed error, line and column once a wrapped string holds a document marker', () => {
    const broken = readFixture('go-compat/yaml-flow-indent.yaml').replace("      ?sslmode=disable&application_name=orders-api'", "---\n      ?sslmode=disable&application_name=orders-api'")
    try { parseSdl(broken); expect.unreachable() } catch (e) {
      expect(isSdlError(e) && { code: e.code, path: e.path, line: e.line }).toEqual({ code: 'YAML_SYNTAX', path: '', line: 10 })
    }
  })
})
