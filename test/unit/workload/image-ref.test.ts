import { describe, expect, it } from 'vitest'
import { parseImageRef, registryAllowed } from '../../../src/workload/index.js'

describe('parseImageRef (Docker normalisation)', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io', 'library/nginx', 'docker.io/library/nginx:1.25'],
    ['akashnetwork/hello-akash-world:1.0.0', 'docker.io', 'akashnetwork/hello-akash-world', 'docker.io/akashnetwork/hello-akash-world:1.0.0'],
    ['index.docker.io/library/redis:7', 'docker.io', 'library/redis', 'docker.io/library/redis:7'],
    ['ghcr.io/acme/api:2', 'ghcr.io', 'acme/api', 'ghcr.io/acme/api:2'],
    ['localhost/tiny:1', 'localhost', 'tiny', 'localhost/tiny:1'],
    ['127.0.0.1:5000/missing:1', '127.0.0.1:5000', 'missing', '127.0.0.1:5000/missing:1'],
    ['registry.example.com:5000/a/b/c', 'registry.example.com:5000', 'a/b/c', 'registry.example.com:5000/a/b/c:latest']
  ])('%s → %s %s', (input, registry, repository, full) => {
    expect(parseImageRef(input)).toMatchObject({ registry, repository, full })
  })

  it('takes an upper-case first component for a registry host, as Docker does', () => {
    expect(parseImageRef('Registry/app')).toMatchObject({ registry: 'registry', repository: 'app' })
  })

  it('keeps digests and passes them as the full name', () => {
    const d = 'sha256:' + 'a'.repeat(64)
    expect(parseImageRef(`nginx@${d}`)).toMatchObject({ digest: d, full: `docker.io/library/nginx@${d}` })
  })

  it.each(['', 'library/UPPER', 'a b', 'nginx:bad tag', 'nginx@sha256:xyz', 'foo//bar'])('refuses %j with INVALID_MANIFEST', (input) => {
    expect(() => parseImageRef(input)).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }))
  })

  it('allow-list matches registry hosts exactly, or * for any', () => {
    expect(registryAllowed(parseImageRef('nginx'), ['docker.io'])).toBe(true)
    expect(registryAllowed(parseImageRef('ghcr.io/x/y'), ['docker.io'])).toBe(false)
    expect(registryAllowed(parseImageRef('evil.docker.io.example/x'), ['docker.io'])).toBe(false)
    expect(registryAllowed(parseImageRef('ghcr.io/x/y'), ['*'])).toBe(true)
    expect(registryAllowed(parseImageRef('GHCR.io/x/y'), ['ghcr.io'])).toBe(true)
  })
})
