import { StringDecoder } from 'node:string_decoder'

/**
 * Docker's multiplexed log format (containers without a TTY): frames of an 8-byte header
 * (stream type 1 = stdout, 2 = stderr; 3 zero bytes; big-endian uint32 length) then the
 * payload. A followed log arrives as a stream of arbitrary chunks, an unfollowed one as a single
 * Buffer dockerode does not demultiplex: both go through LogDemuxer.
 */
export type LogStreamName = 'stdout' | 'stderr'

export interface LogFrame {
  stream: LogStreamName
  data: Buffer
}

const HEADER = 8
/** A header announcing more than this is garbage (Docker frames are at most a few KiB). */
const MAX_FRAME = 1024 * 1024

export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0)
  /** Not multiplexed after all (a TTY container, or a runtime that sends plain text). */
  private raw = false

  push (chunk: Buffer): LogFrame[] {
    if (this.raw) return chunk.length > 0 ? [{ stream: 'stdout', data: chunk }] : []
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const out: LogFrame[] = []
    while (this.pending.length >= HEADER) {
      const type = this.pending[0]
      const size = this.pending.readUInt32BE(4)
      if ((type !== 0 && type !== 1 && type !== 2) || this.pending[1] !== 0 || this.pending[2] !== 0 || this.pending[3] !== 0 || size > MAX_FRAME) {
        this.raw = true
        out.push({ stream: 'stdout', data: this.pending })
        this.pending = Buffer.alloc(0)
        return out
      }
      if (this.pending.length < HEADER + size) break
      out.push({ stream: type === 2 ? 'stderr' : 'stdout', data: this.pending.subarray(HEADER, HEADER + size) })
      this.pending = this.pending.subarray(HEADER + size)
    }
    return out
  }

  /** At end of input: a truncated frame is delivered as far as it got. */
  end (): LogFrame[] {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    if (rest.length === 0) return []
    if (this.raw || rest.length < HEADER) return this.raw ? [{ stream: 'stdout', data: rest }] : []
    return [{ stream: rest[0] === 2 ? 'stderr' : 'stdout', data: rest.subarray(HEADER) }]
  }
}

/** Bytes → lines, UTF-8 safe across chunk borders; lines longer than maxLine are cut. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private carry = ''
  constructor (private readonly maxLine = 16 * 1024) {}

  push (data: Buffer): string[] {
    this.carry += this.decoder.write(data)
    const out: string[] = []
    let nl: number
    while ((nl = this.carry.indexOf('\n')) >= 0) {
      out.push(this.carry.slice(0, nl).replace(/\r$/, ''))
      this.carry = this.carry.slice(nl + 1)
    }
    while (this.carry.length > this.maxLine) {
      out.push(this.carry.slice(0, this.maxLine))
      this.carry = this.carry.slice(this.maxLine)
    }
    return out
  }

  end (): string[] {
    const rest = this.carry + this.decoder.end()
    this.carry = ''
    return rest === '' ? [] : [rest]
  }
}

export interface RawLogLine {
  stream: LogStreamName
  line: string
  /** RFC 3339 time the runtime stamped, when asked for. */
  time?: string
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/

/** Demultiplex and split one container's log bytes, chunk by chunk. */
export class LogLineParser {
  private readonly demux = new LogDemuxer()
  private readonly splitters: Record<LogStreamName, LineSplitter>
  constructor (private readonly timestamps: boolean, maxLine?: number) {
    this.splitters = { stdout: new LineSplitter(maxLine), stderr: new LineSplitter(maxLine) }
  }

  push (chunk: Buffer): RawLogLine[] {
    return this.lines(this.demux.push(chunk))
  }

  end (): RawLogLine[] {
    const out = this.lines(this.demux.end())
    for (const stream of ['stdout', 'stderr'] as const) {
      for (const l of this.splitters[stream].end()) out.push(this.stamp(stream, l))
    }
    return out
  }

  private lines (frames: LogFrame[]): RawLogLine[] {
    const out: RawLogLine[] = []
    for (const f of frames) {
      for (const l of this.splitters[f.stream].push(f.data)) out.push(this.stamp(f.stream, l))
    }
    return out
  }

  private stamp (stream: LogStreamName, line: string): RawLogLine {
    if (!this.timestamps) return { stream, line }
    const m = STAMP.exec(line)
    return m === null ? { stream, line } : { stream, line: line.slice(m[0].length), time: m[1] as string }
  }
}

/** All lines of an unfollowed log (`logs({follow: false})` gives one Buffer). */
export function parseLogBuffer (buf: Buffer, timestamps = false): RawLogLine[] {
  const p = new LogLineParser(timestamps)
  return [...p.push(buf), ...p.end()]
}

/**
 * Interleave async iterables as items arrive. Each source is pulled only when its previous item
 * was consumed, so a slow reader slows every source down (back-pressure) instead of buffering.
 * On early return or error, `beforeClose` runs first (it must unblock sources waiting on I/O,
 * e.g. by aborting their requests); sources are then closed without waiting for them.
 */
export async function * mergeAsync<T> (sources: ReadonlyArray<AsyncIterable<T>>, beforeClose?: () => void): AsyncGenerator<T> {
  const its = sources.map(s => s[Symbol.asyncIterator]())
  type Step = { i: number, r?: IteratorResult<T>, err?: unknown }
  const pending = new Map<number, Promise<Step>>()
  const pull = (i: number): void => {
    const it = its[i] as AsyncIterator<T>
    // Rejections become values, so an abandoned pull never turns into an unhandled rejection.
    pending.set(i, it.next().then(r => ({ i, r }), (err: unknown) => ({ i, err })))
  }
  its.forEach((_, i) => pull(i))
  try {
    while (pending.size > 0) {
      const step = await Promise.race(pending.values())
      pending.delete(step.i)
      if (step.r === undefined) throw step.err
      if (step.r.done === true) continue
      pull(step.i)
      yield step.r.value
    }
  } finally {
    beforeClose?.()
    for (const it of its) void it.return?.().catch(() => undefined)
  }
}
