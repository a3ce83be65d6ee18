import type Docker from 'dockerode'
import { WorkloadError } from './errors.js'
import { pullArgs } from './image-ref.js'
import type { ImageRef } from './image-ref.js'
import type { RegistryCredentials } from './manifest.js'
import type { PullPolicy } from './options.js'
import { apiMessage, asWorkloadError, dial, runtimeCall, statusOf } from './runtime-call.js'

export type ImageDocker = Pick<Docker, 'modem' | 'createImage'>

export interface EnsureImageOptions {
  policy: PullPolicy
  credentials?: RegistryCredentials
  callTimeoutMs: number
  pullTimeoutMs: number
  signal?: AbortSignal
}

export type EnsureImageResult = 'present' | 'pulled'

/** Registry answers that mean "this image does not exist for you", not "the registry is down". */
const NOT_FOUND = /manifest unknown|name unknown|not found|no such image|does not exist|pull access denied|unauthorized|authentication required|denied/i

export function classifyPullError (message: string): 'IMAGE_NOT_FOUND' | 'PULL_FAILED' {
  return NOT_FOUND.test(message) ? 'IMAGE_NOT_FOUND' : 'PULL_FAILED'
}

export async function imagePresent (docker: ImageDocker, ref: ImageRef, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await runtimeCall('image inspect', timeoutMs, signal, async (abortSignal) => await dial(docker, {
      path: `/images/${ref.full}/json`,
      method: 'GET',
      statusCodes: { 200: true, 404: 'no such image', 500: 'server error' }
    }, abortSignal))
    return true
  } catch (err) {
    if (statusOf(err) === 404) return false
    throw asWorkloadError(err, 'image inspect')
  }
}

/** The first `error` object in a pull progress stream (newline-separated JSON). */
export function pullStreamError (text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim()
    if (t === '') continue
    try {
      const o = JSON.parse(t) as { error?: unknown, errorDetail?: { message?: unknown } }
      if (typeof o.error === 'string' && o.error !== '') return o.error
      if (typeof o.errorDetail?.message === 'string') return o.errorDetail.message
    } catch {
      // Progress lines are JSON; anything else carries no error.
    }
  }
  return undefined
}

/**
 * Pull and verify. A failed pull still answers HTTP 200: the error travels inside the progress
 * stream, so the stream is read to its end and searched; the image is then inspected, because
 * an engine that reports nothing is not proof either.
 */
export async function pullImage (docker: ImageDocker, ref: ImageRef, opts: Omit<EnsureImageOptions, 'policy'>): Promise<void> {
  const auth = opts.credentials === undefined
    ? undefined
    : { username: opts.credentials.username, password: opts.credentials.password, serveraddress: opts.credentials.host, ...(opts.credentials.email !== undefined ? { email: opts.credentials.email } : {}) }
  let streamError: string | undefined
  try {
    streamError = await runtimeCall(`pull of ${ref.full}`, opts.pullTimeoutMs, opts.signal, async (abortSignal) => {
      const args = { ...pullArgs(ref), abortSignal }
      const stream = auth === undefined ? await docker.createImage(args) : await docker.createImage(auth, args)
      const onAbort = (): void => { (stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void }).destroy?.(new Error('aborted')) }
      abortSignal.addEventListener('abort', onAbort, { once: true })
      // Only the tail matters: progress lines are dropped, an error line is kept.
      let carry = ''
      let found: string | undefined
      try {
        for await (const chunk of stream as AsyncIterable<Buffer | string>) {
          carry += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
          const cut = carry.lastIndexOf('\n')
          if (cut >= 0) {
            found ??= pullStreamError(carry.slice(0, cut))
            carry = carry.slice(cut + 1)
          }
          if (carry.length > 1024 * 1024) carry = ''
        }
      } finally {
        abortSignal.removeEventListener('abort', onAbort)
      }
      return found ?? pullStreamError(carry)
    })
  } catch (err) {
    if (err instanceof WorkloadError) {
      if (err.code === 'TIMEOUT') throw new WorkloadError('PULL_FAILED', `pulling image ${ref.full} took longer than ${Math.round(opts.pullTimeoutMs / 1000)} s`, { details: { image: ref.full }, cause: err })
      throw err
    }
    if (opts.signal?.aborted === true) throw err
    const status = statusOf(err)
    const msg = apiMessage(err)
    if (status !== undefined) {
      throw new WorkloadError(status === 404 ? 'IMAGE_NOT_FOUND' : classifyPullError(msg), `cannot pull image ${ref.full}: ${msg.trim().slice(0, 400)}`, { details: { image: ref.full, status }, cause: err })
    }
    throw asWorkloadError(err, `pull of ${ref.full}`)
  }
  if (streamError !== undefined) {
    const code = classifyPullError(streamError)
    throw new WorkloadError(code, code === 'IMAGE_NOT_FOUND'
      ? `image ${ref.full} not found in its registry: ${streamError.slice(0, 400)}`
      : `cannot pull image ${ref.full}: ${streamError.slice(0, 400)}`, { details: { image: ref.full } })
  }
  if (!await imagePresent(docker, ref, opts.callTimeoutMs, opts.signal)) {
    throw new WorkloadError('PULL_FAILED', `pull of image ${ref.full} reported success but the image is not there`, { details: { image: ref.full } })
  }
}

/** Apply the pull policy: after it, the image is present or a typed error was thrown. */
export async function ensureImage (docker: ImageDocker, ref: ImageRef, opts: EnsureImageOptions): Promise<EnsureImageResult> {
  if (opts.policy !== 'always' && await imagePresent(docker, ref, opts.callTimeoutMs, opts.signal)) return 'present'
  if (opts.policy === 'never') {
    throw new WorkloadError('IMAGE_NOT_FOUND', `image ${ref.full} is not on this provider, which does not pull images`, { details: { image: ref.full, pullPolicy: 'never' } })
  }
  await pullImage(docker, ref, opts)
  return 'pulled'
}
