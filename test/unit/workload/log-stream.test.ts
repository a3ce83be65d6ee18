import { describe, expect, it } from 'vitest'
import { LineSplitter, LogDemuxer, LogLineParser, mergeAsync, parseLogBuffer } from '../../../src/workload/index.js'

function frame (stream: 1 | 2, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text
  const h = Buffer.alloc(8)
  h[0] = stream
  h.writeUInt32BE(payload.length, 4)
  return Buffer.concat([h, payload])
}

describe('LogDemuxer (8-byte frame headers)', () => {
  it('splits stdout and stderr frames', () => {
    const d = new LogDemuxer()
    const out = d.push(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))
    expect(out.map(f => [f.stream, f.data.toString()])).toEqual([['stdout', 'out\n'], ['stderr', 'err\n']])
  })

  it('reassembles frames cut anywhere, header included', () => {
    const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n')])
    for (let cut = 1; cut < all.length; cut++) {
      const d = new LogDemuxer()
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut)), ...d.end()]
      expect(got.map(f => `${f.stream}:${f.data.toString()}`).join('|')).toBe('stdout:hello |stderr:oops\n|stdout:world\n')
    }
  })

  it('passes plain text (a TTY container) through as stdout', () => {
    const d = new LogDemuxer()
    expect(d.push(Buffer.from('plain text\n')).map(f => f.data.toString())).toEqual(['plain text\n'])
    expect(d.push(Buffer.from('more\n')).map(f => f.stream)).toEqual(['stdout'])
  })
})

describe('LineSplitter', () => {
  it('keeps partial lines and multi-byte characters across chunks', () => {
    const s = new LineSplitter()
    const euro = Buffer.from('€\n')
    expect(s.push(Buffer.from('ab'))).toEqual([])
    expect(s.push(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)]))).toEqual([])
    expect(s.push(euro.subarray(1))).toEqual(['abc€'])
    expect(s.push(Buffer.from('x\r\ny'))).toEqual(['x'])
    expect(s.end()).toEqual(['y'])
  })

  it('cuts runaway lines', () => {
    const s = new LineSplitter(4)
    expect(s.push(Buffer.from('abcdefghij'))).toEqual(['abcd', 'efgh'])
    expect(s.end()).toEqual(['ij'])
  })
})

describe('parseLogBuffer (logs with follow: false)', () => {
  it('gives lines per stream, with the runtime timestamps split off', () => {
    const buf = Buffer.concat([
      frame(1, '2026-12-02T06:41:42.123456789Z starting\n'),
      frame(2, '2026-12-02T06:41:42Z err\n'),
      frame(1, '2026-12-02T06:41:43+01:00 no newline at end')
    ])
    expect(parseLogBuffer(buf, true)).toEqual([
      { stream: 'stdout', line: 'starting', time: '2026-12-02T06:41:42.123456789Z' },
      { stream: 'stderr', line: 'err', time: '2026-12-02T06:41:42Z' },
      { stream: 'stdout', line: 'no newline at end', time: '2026-12-02T06:41:43+01:00' }
    ])
    expect(parseLogBuffer(frame(1, 'a\nb\n'))).toEqual([{ stream: 'stdout', line: 'a' }, { stream: 'stdout', line: 'b' }])
  })

  it('keeps stdout and stderr partial lines apart', () => {
    const p = new LogLineParser(false)
    const out = [...p.push(Buffer.concat([frame(1, 'hel'), frame(2, 'warn\n'), frame(1, 'lo\n')])), ...p.end()]
    expect(out).toEqual([{ stream: 'stderr', line: 'warn' }, { stream: 'stdout', line: 'hello' }])
  })
})

describe('mergeAsync', () => {
  async function * gen (name: string, n: number, delayMs: number): AsyncGenerator<string> {
    for (let i = 0; i < n; i++) {
      await new Promise(resolve => setTimeout(resolve, delayMs))
      yield `${name}${i}`
    }
  }

  it('interleaves sources as items arrive and ends when all end', async () => {
    const got: string[] = []
    for await (const x of mergeAsync([gen('a', 3, 5), gen('b', 2, 12)])) got.push(x)
    expect(got.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1'])
  })

  it('on early return, calls beforeClose and does not wait for a blocked source', async () => {
    let closed = false
    const blocked: AsyncIterable<string> = { [Symbol.asyncIterator]: () => ({ next: async () => await new Promise<IteratorResult<string>>(() => {}) }) }
    for await (const x of mergeAsync([gen('a', 5, 1), blocked], () => { closed = true })) {
      expect(x).toBe('a0')
      break
    }
    expect(closed).toBe(true)
  })

  it('throws what a source throws', async () => {
    async function * bad (): AsyncGenerator<string> { yield 'ok'; throw new Error('boom') }
    const got: string[] = []
    await expect((async () => { for await (const x of mergeAsync([bad()])) got.push(x) })()).rejects.toThrow('boom')
    expect(got).toEqual(['ok'])
  })
})
