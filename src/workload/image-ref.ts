import { WorkloadError } from './errors.js'

/**
 * Image references normalised as Docker's distribution/reference does: a first component with a
 * '.' or ':' or equal to 'localhost' is a registry, else the image lives on docker.io (and a
 * one-component name in its `library/` namespace); no tag means ':latest'. The runtime always
 * gets the full name, so Docker and a Podman with short names disabled resolve it the same way,
 * and the allow-list compares real registry hosts.
 */
export interface ImageRef {
  registry: string
  /** Path inside the registry, e.g. 'library/nginx'. */
  repository: string
  tag?: string
  digest?: string
  /** registry/repository[:tag][@digest], with ':latest' when neither was given. */
  full: string
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-fA-F:]+\](?::\d{1,5})?$/

export function parseImageRef (input: string): ImageRef {
  const bad = (why: string): WorkloadError => new WorkloadError('INVALID_MANIFEST', `image "${input.slice(0, 200)}" is not a valid reference: ${why}`, { details: { image: input.slice(0, 200) } })
  if (input === '' || input.length > 512 || /\s/.test(input)) throw bad('empty, too long or contains spaces')
  let rest = input
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw bad('bad digest')
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw bad('bad tag')
  }
  const slash = rest.indexOf('/')
  let registry = 'docker.io'
  let path = rest
  if (slash >= 0) {
    const first = rest.slice(0, slash)
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      registry = first
      path = rest.slice(slash + 1)
    }
  }
  if (!HOST.test(registry)) throw bad('bad registry host')
  registry = registry.toLowerCase()
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io'
  if (registry === 'docker.io' && !path.includes('/')) path = `library/${path}`
  if (path === '' || !path.split('/').every(c => COMPONENT.test(c))) throw bad('repository must be lower-case name components')
  const full = `${registry}/${path}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}${tag === undefined && digest === undefined ? ':latest' : ''}`
  return {
    registry,
    repository: path,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    full
  }
}

/** Exact, case-insensitive host match ('docker.io' also matches its aliases, normalised above); '*' allows any. */
export function registryAllowed (ref: ImageRef, allowed: readonly string[]): boolean {
  return allowed.some(a => a === '*' || a.toLowerCase() === ref.registry)
}

/** The `fromImage`/`tag` pair of the pull endpoint (a digest travels as the tag). */
export function pullArgs (ref: ImageRef): { fromImage: string, tag: string } {
  return { fromImage: `${ref.registry}/${ref.repository}`, tag: ref.digest ?? ref.tag ?? 'latest' }
}
