import type Docker from 'dockerode'
import type { ManagedContainer } from './containers.js'
import { LogLineParser, parseLogBuffer } from './log-stream.js'
import type { LogStreamName } from './log-stream.js'
import { asWorkloadError, runtimeCall, statusOf } from './runtime-call.js'

export interface LogsOptions {
  /** One service only; default every service of the lease. */
  service?: string
  replica?: number
  /** Last lines per replica; default all. */
  tail?: number
  follow?: boolean
  /** Keep the runtime's RFC 3339 time of each line. */
  timestamps?: boolean
  signal?: AbortSignal
}

export interface LogLine {
  service: string
  replica: number
  stream: LogStreamName
  line: string
  time?: string
}

type LogsDocker = Pick<Docker, 'getContainer'>

function logArgs (o: LogsOptions): { stdout: true, stderr: true, timestamps: boolean, tail?: number } {
  return { stdout: true, stderr: true, timestamps: o.timestamps === true, ...(o.tail !== undefined ? { tail: o.tail } : {}) }
}

function tag (c: ManagedContainer, l: { stream: LogStreamName, line: string, time?: string }): LogLine {
  return { service: c.service, replica: c.replica, ...l }
}

/** Everything logged so far: an unfollowed log is one Buffer of frames, parsed here. */
export async function * containerLogsOnce (docker: LogsDocker, c: ManagedContainer, o: LogsOptions, timeoutMs: number): AsyncGenerator<LogLine> {
  let buf: Buffer
  try {
    buf = await runtimeCall('container logs', timeoutMs, o.signal, async (abortSignal) =>
      await docker.getContainer(c.id).logs({ ...logArgs(o), follow: false, abortSignal }))
  } catch (err) {
    if (statusOf(err) === 404) return
    throw asWorkloadError(err, 'container logs')
  }
  for (const l of parseLogBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), o.timestamps === true)) yield tag(c, l)
}

/** Followed until the container stops or `signal` aborts; ends quietly on abort. */
export async function * containerLogsFollow (docker: LogsDocker, c: ManagedContainer, o: LogsOptions, signal: AbortSignal, timeoutMs: number): AsyncGenerator<LogLine> {
  let stream: NodeJS.ReadableStream
  try {
    // The deadline covers opening the stream only (raced, not passed down: the request must
    // outlive it); the open stream ends with the container or with `signal`.
    stream = await runtimeCall('container logs', timeoutMs, signal, async () =>
      await docker.getContainer(c.id).logs({ ...logArgs(o), follow: true, abortSignal: signal }))
  } catch (err) {
    if (signal.aborted) return
    if (statusOf(err) === 404) return
    throw asWorkloadError(err, 'container logs')
  }
  const destroy = (): void => { (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.() }
  signal.addEventListener('abort', destroy, { once: true })
  const parser = new LogLineParser(o.timestamps === true)
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      for (const l of parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) yield tag(c, l)
    }
    for (const l of parser.end()) yield tag(c, l)
  } catch (err) {
    if (!signal.aborted) throw asWorkloadError(err, 'container logs')
  } finally {
    signal.removeEventListener('abort', destroy)
    destroy()
  }
}
