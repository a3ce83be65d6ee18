import { describe, expect, it } from 'vitest'
import { parseByteQuantity, parseCpuQuantity, parseGoDuration, stringWithSuffix } from '../../../src/sdl/units.js'

describe('Akash units', () => {
  it.each([
    ['512Mi', 512 * 1024 ** 2], ['1Gi', 1024 ** 3], ['1k', 1000], ['1Ki', 1024], ['100M', 1e8], ['3Ei', 3 * 1024 ** 6],
    ['0.5Mi', 524288], ['1.5G', 1.5e9], ['1073741824', 1073741824], ['.5Gi', 536870912], ['1e3', 1000]
  ])('size %s = %d bytes (Go table)', (s, v) => {
    expect(parseByteQuantity(s)).toEqual({ ok: true, value: v })
  })

  it.each([
    ['16gi', 16 * 1024 ** 3], ['8GB', 8e9], ['15Gb', 15e9], ['512mi', 512 * 1024 ** 2], ['512Mb', 512e6], ['1ti', 1024 ** 4]
  ])('size %s = %d bytes (Console spellings, flagged lenient)', (s, v) => {
    expect(parseByteQuantity(s)).toEqual({ ok: true, value: v, lenient: true })
  })

  it.each([['', 'syntax'], ['Gi', 'syntax'], ['1 Gi', 'syntax'], ['-1Mi', 'negative'], ['1Zi', 'syntax'], ['abc', 'syntax'], ['1e30Ei', 'overflow'], ['0x10', 'syntax'], ['inf', 'syntax']])(
    'size %j is rejected (%s)', (s, reason) => {
      expect(parseByteQuantity(s)).toEqual({ ok: false, reason })
    })

  it.each([['100m', 100], ['0.5', 500], ['1', 1000], ['2.25', 2250], ['1000m', 1000], ['1.0005', 1000], ['0.0001', 0]])('cpu %s = %d millicores', (s, v) => {
    expect(parseCpuQuantity(s)).toEqual({ ok: true, value: v })
  })

  it.each([['-1', 'negative'], ['1.5m', 'syntax'], ['-100m', 'syntax'], ['x', 'syntax'], ['5000000', 'overflow'], ['4294967296m', 'overflow']])('cpu %s is rejected (%s)', (s, reason) => {
    expect(parseCpuQuantity(s)).toEqual({ ok: false, reason })
  })

  it('formats gpu ram the Go way (integer division)', () => {
    expect(stringWithSuffix(80 * 1024 ** 3, 'Gi')).toBe('80Gi')
    expect(stringWithSuffix(1024 ** 2, 'Gi')).toBe('0Gi')
  })

  it('parses Go durations', () => {
    expect(parseGoDuration('24h')).toBe(24 * 3600e9)
    expect(parseGoDuration('1h30m')).toBe(5400e9)
    expect(parseGoDuration('1.5s')).toBe(1.5e9)
    expect(parseGoDuration('0')).toBe(0)
    expect(parseGoDuration('0s')).toBe(0)
    expect(parseGoDuration('abc')).toBeUndefined()
    expect(parseGoDuration('')).toBeUndefined()
    expect(parseGoDuration('10')).toBeUndefined()
    expect(parseGoDuration('-5m')).toBe(-300e9)
  })
})
