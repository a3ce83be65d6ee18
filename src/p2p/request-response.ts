import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import { SkymeshError, type ErrorDetails } from '../util/errors.js'

export type RequestErrorCode = 'REQUEST_TIMEOUT' | 'RESPONSE_TOO_LARGE' | 'REQUEST_FAILED' | 'BAD_REQUEST'

/** A request/response exchange failed; never a peer-score matter (action IGNORE). */
export class RequestError extends SkymeshError<RequestErrorCode> {
  readonly layer = 'p2p'
  constructor (code: RequestErrorCode, message: string, opts: { details?: ErrorDetails, cause?: unknown } = {}) {
    super(code, message, { ...opts, action: 'IGNORE', badInput: false })
  }
}

export interface ExchangeLimits {
  /** largest request frame accepted by the server */
  maxRequestBytes: number
  /** largest single response frame */
  maxItemBytes: number
  /** most response frames */
  maxItems: number
  /** whole exchange, either side */
  timeoutMs: number
  /** all response frames together (default: maxItems x maxItemBytes) */
  maxTotalBytes?: number
}

export type RequestHandler = (request: Uint8Array, from: string) => Promise<Iterable<Uint8Array>> | Iterable<Uint8Array>

/**
 * Serve a request/response protocol: one length-prefixed request frame in, up to maxItems
 * length-prefixed frames out, then close. Every inbound stream has a deadline and size caps;
 * a handler that throws closes the stream without a response (the client sees no items).
 * Runs over relayed (limited) connections too: the relay sets explicit limits of its own.
 */
export async function serve (libp2p: Pick<Libp2p, 'handle'>, protocol: string, handler: RequestHandler, limits: ExchangeLimits): Promise<void> {
  await libp2p.handle(protocol, ({ stream, connection }) => {
    const from = connection.remotePeer.toString()
    const timer = setTimeout(() => stream.abort(new RequestError('REQUEST_TIMEOUT', `${protocol}: exchange took longer than ${limits.timeoutMs} ms`)), limits.timeoutMs)
    void pipe(
      stream,
      (source) => lp.decode(source, { maxDataLength: limits.maxRequestBytes }),
      async function * (source) {
        for await (const frame of source) {
          let n = 0
          let total = 0
          for (const item of await handler(frame.subarray(), from)) {
            if (++n > limits.maxItems) break
            if (item.length > limits.maxItemBytes) continue
            total += item.length
            if (limits.maxTotalBytes !== undefined && total > limits.maxTotalBytes) break
            yield item
          }
          return
        }
      },
      (source) => lp.encode(source),
      stream
    ).catch((err: unknown) => {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }).finally(() => clearTimeout(timer))
  }, { runOnLimitedConnection: true, maxInboundStreams: 32 })
}

/** Send one request and collect the response frames, within the limits. */
export async function request (libp2p: Pick<Libp2p, 'dialProtocol'>, peer: PeerId, protocol: string, req: Uint8Array, limits: ExchangeLimits, signal?: AbortSignal): Promise<Uint8Array[]> {
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  const combined = signal === undefined ? deadline : AbortSignal.any([signal, deadline])
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peer, protocol, { signal: combined, runOnLimitedConnection: true })
  } catch (err) {
    throw new RequestError(combined.aborted ? 'REQUEST_TIMEOUT' : 'REQUEST_FAILED', `${protocol}: cannot open a stream to ${peer.toString()}: ${(err as Error).message}`, { cause: err })
  }
  const onAbort = (): void => { stream.abort(new RequestError('REQUEST_TIMEOUT', `${protocol}: no complete response within ${limits.timeoutMs} ms`)) }
  combined.addEventListener('abort', onAbort, { once: true })
  try {
    return await pipe(
      [req],
      (source) => lp.encode(source),
      stream,
      (source) => lp.decode(source, { maxDataLength: limits.maxItemBytes }),
      async (source) => {
        const out: Uint8Array[] = []
        let total = 0
        for await (const frame of source) {
          if (out.length >= limits.maxItems) throw new RequestError('RESPONSE_TOO_LARGE', `${protocol}: more than ${limits.maxItems} response frames`)
          total += frame.byteLength
          if (limits.maxTotalBytes !== undefined && total > limits.maxTotalBytes) throw new RequestError('RESPONSE_TOO_LARGE', `${protocol}: more than ${limits.maxTotalBytes} response bytes`)
          out.push(frame.subarray())
        }
        return out
      }
    )
  } catch (err) {
    if (err instanceof RequestError) throw err
    throw new RequestError(combined.aborted ? 'REQUEST_TIMEOUT' : 'REQUEST_FAILED', `${protocol}: ${(err as Error).message}`, { cause: err })
  } finally {
    combined.removeEventListener('abort', onAbort)
  }
}
