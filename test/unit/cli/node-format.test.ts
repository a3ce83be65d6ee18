import { describe, expect, it } from 'vitest'
import { bytes, duration, shortId, table } from '../../../src/cli/commands/node-format.js'

describe('node-format helpers', () => {
  it('table pads every column but the last and trims line ends', () => {
    expect(table([['A', 'BB', 'C'], ['xxx', 'y', '']])).toBe('A    BB  C\nxxx  y\n')
    expect(table([['ONLY'], ['a']])).toBe('ONLY\na\n')
  })

  it('duration picks ms, s, min, then h and min', () => {
    expect(duration(-5)).toBe('0 ms')
    expect(duration(999.4)).toBe('999 ms')
    expect(duration(1_000)).toBe('1 s')
    expect(duration(119_999)).toBe('119 s')
    expect(duration(120_000)).toBe('2 min')
    expect(duration(119 * 60_000)).toBe('119 min')
    expect(duration(120 * 60_000)).toBe('2 h 0 min')
    expect(duration((26 * 60 + 5) * 60_000)).toBe('26 h 5 min')
  })

  it('bytes: MiB below a GiB, GiB with one decimal above', () => {
    expect(bytes(0)).toBe('0 MiB')
    expect(bytes(512 * 1024 ** 2)).toBe('512 MiB')
    expect(bytes(1024 ** 3)).toBe('1.0 GiB')
    expect(bytes(1.5 * 1024 ** 3)).toBe('1.5 GiB')
  })

  it('shortId keeps the head and tail of a long id', () => {
    expect(shortId('12D3KooWKLSR2fra81fmxnJFjUzYHJUyMpioigzqJSmMJhf6yq7a')).toBe('12D3KooWKLSR…f6yq7a')
    expect(shortId('short')).toBe('short')
  })
})
