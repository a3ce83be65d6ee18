import { describe, expect, it } from 'vitest'
import { classifyPullError, pullStreamError } from '../../../src/workload/index.js'

describe('pull progress stream', () => {
  it('finds the error a 200 stream carries (Podman 4.3 output)', () => {
    const text = '{"status":"Trying to pull 127.0.0.1:5000/missing:1..."}\n' +
      '{"progressDetail":{},"errorDetail":{"message":"initializing source docker://127.0.0.1:5000/missing:1: reading manifest 1 in 127.0.0.1:5000/missing: manifest unknown"},"error":"initializing source docker://127.0.0.1:5000/missing:1: reading manifest 1 in 127.0.0.1:5000/missing: manifest unknown"}\n'
    expect(pullStreamError(text)).toMatch(/manifest unknown$/)
    expect(pullStreamError('{"status":"Downloading"}\r\n{"status":"Pull complete"}\r\n')).toBeUndefined()
    expect(pullStreamError('not json\n{"errorDetail":{"message":"x"}}')).toBe('x')
  })

  it('tells a missing image from an unreachable registry', () => {
    expect(classifyPullError('reading manifest 1 in 127.0.0.1:5000/missing: manifest unknown')).toBe('IMAGE_NOT_FOUND')
    expect(classifyPullError('pull access denied for nope, repository does not exist or may require \'docker login\'')).toBe('IMAGE_NOT_FOUND')
    expect(classifyPullError('pinging container registry localhost: Get "https://localhost/v2/": dial tcp 127.0.0.1:443: connect: connection refused')).toBe('PULL_FAILED')
    expect(classifyPullError('dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host')).toBe('PULL_FAILED')
  })
})
