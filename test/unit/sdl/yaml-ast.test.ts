import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { fastParse, slowParse, parseYaml } from '../../../src/sdl/yaml-ast.js'
import { isSdlError } from '../../../src/sdl/index.js'
import { listFixtures, readFixture } from './fixtures.js'

const ALL = ['corpus', 'fixtures/valid', 'fixtures/invalid'].flatMap(d => listFixtures(d).map(f => `${d}/${f}`))

describe('fast YAML reader', () => {
  it('builds exactly the tree of the yaml package on every corpus and fixture file', () => {
    let fast = 0
    for (const file of ALL) {
      const text = readFixture(file)
      const f = fastParse(text)
      if (f === undefined) continue
      fast++
      let slow: unknown
      try { slow = slowParse(text) } catch (e) { slow = e }
      expect(f, file).toEqual(slow)
    }
    // the fast path must carry the load, or the benchmark means nothing
    expect(fast / ALL.length).toBeGreaterThan(0.95)
  })

  it('keeps scalar style: quoted "80" is not plain, 80 is', () => {
    const t = fastParse('a: "80"\nb: 80\nc: \'x\'\'y\'\nd:\n') as { entries: Array<{ value: unknown }> }
    expect(t.entries.map(e => e.value)).toEqual([
      { kind: 'scalar', value: '80', plain: false, line: 1, col: 4 },
      { kind: 'scalar', value: '80', plain: true, line: 2, col: 4 },
      { kind: 'scalar', value: "x'y", plain: false, line: 3, col: 4 },
      { kind: 'scalar', value: '', plain: true, line: 4, col: 3 }
    ])
  })

  it('gives up (undefined) on anchors, tags and multi-document streams', () => {
    expect(fastParse('a: &x 1\nb: *x\n')).toBeUndefined()
    expect(fastParse('a: !!str 1\n')).toBeUndefined()
    expect(fastParse('a: 1\n---\nb: 2\n')).toBeUndefined()
  })

  it('resolves aliases and merge keys on the slow path', () => {
    const t = parseYaml('base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n') as { entries: Array<{ value: { entries?: Array<{ key: { value: string } }> } }> }
    expect(t.entries[1]?.value.entries?.map(e => e.key.value)).toEqual(['y', 'x'])
  })

  it('rejects duplicate keys on both paths with the line of the repeat', () => {
    for (const text of ['a: 1\nb: 2\na: 3\n', 'a: &x 1\nb: 2\na: 3\n']) {
      try { parseYaml(text); expect.unreachable() } catch (e) {
        expect(isSdlError(e) && e.code).toBe('DUPLICATE_KEY')
        expect(isSdlError(e) && e.line).toBe(3)
      }
    }
  })

  it('matches the yaml package on generated documents (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/)
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null))
    const value = fc.letrec(tie => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 })
    })).node
    fc.assert(fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), fc.boolean(), (doc, flow) => {
      const text = stringify(doc, flow ? { collectionStyle: 'flow' } : {})
      const f = fastParse(text)
      if (f === undefined) return
      expect(f).toEqual(slowParse(text))
    }), { numRuns: 400 })
  })
})
