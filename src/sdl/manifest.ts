/**
 * Akash's provider manifest (manifest/v2beta3), in the JSON shape Go's encoding/json gives it
 * (field names and null/omitted fields as in Akash's expected fixtures), and its hash.
 *
 * manifestHash = lowercase hex of sha256(canonicalJson(manifest)), where canonicalJson is
 * compact JSON with object keys sorted by UTF-16 code unit order (byte order for the ASCII keys
 * used here), arrays in order, integers in plain decimal, and strings escaped as Go's
 * encoding/json does (", \, control characters, and <, >, &, U+2028, U+2029 as \u00XX/\u20XX).
 * This is the same byte string Akash hashes in Manifest.Version() (json.Marshal then
 * sdk.SortJSON), so the hash is intended to equal Akash's deployment version.
 */
import { createHash } from 'node:crypto'
import type { Attribute } from './types.js'

export interface ResourceValue { val: string }

export interface ManifestEndpoint {
  /** omitted when 0 (SHARED_HTTP), as protobuf JSON does */
  kind?: number
  sequence_number: number
}

export interface ManifestResources {
  id: number
  cpu: { units: ResourceValue, attributes?: Attribute[] }
  memory: { size: ResourceValue, attributes?: Attribute[] }
  storage: Array<{ name: string, size: ResourceValue, attributes?: Attribute[] }>
  gpu: { units: ResourceValue, attributes?: Attribute[] }
  endpoints: ManifestEndpoint[]
}

export interface ManifestHttpOptions {
  maxBodySize: number
  readTimeout: number
  sendTimeout: number
  nextTries: number
  nextTimeout: number
  nextCases: string[]
}

export interface ManifestExpose {
  port: number
  externalPort: number
  proto: 'TCP' | 'UDP'
  service: string
  global: boolean
  hosts: string[] | null
  httpOptions: ManifestHttpOptions
  ip: string
  endpointSequenceNumber: number
}

export interface ManifestServiceParams {
  storage: Array<{ name: string, mount: string, readOnly: boolean }> | null
  permissions?: { read: string[] | null }
  tee?: { type: string, attestation: boolean }
}

export interface ManifestCredentials { host: string, email: string, username: string, password: string }

export interface ManifestService {
  name: string
  image: string
  command: string[] | null
  args: string[] | null
  env: string[] | null
  resources: ManifestResources
  count: number
  expose: ManifestExpose[]
  params?: ManifestServiceParams
  credentials: ManifestCredentials | null
}

export interface ManifestGroup { name: string, services: ManifestService[] }

export type Manifest = ManifestGroup[]

/** Deterministic JSON (see module comment). */
export function canonicalJson (value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string': return goQuote(value)
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('non-finite number in manifest')
      return String(value)
    case 'boolean': return value ? 'true' : 'false'
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']'
      const obj = value as Record<string, unknown>
      const keys = Object.keys(obj).filter(k => obj[k] !== undefined).sort()
      return '{' + keys.map(k => goQuote(k) + ':' + canonicalJson(obj[k])).join(',') + '}'
    }
    default: throw new TypeError(`cannot encode ${typeof value}`)
  }
}

const GO_ESCAPE = /[<>&\u2028\u2029]/g
const HAS_GO_ESCAPE = /[<>&\u2028\u2029]/

function goEscape (json: string): string {
  return HAS_GO_ESCAPE.test(json) ? json.replace(GO_ESCAPE, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : json
}

function goQuote (s: string): string {
  return goEscape(JSON.stringify(s))
}

export function manifestHash (manifest: Manifest): string {
  return sha256Hex(canonicalJson(manifest))
}

/**
 * The same hash for a manifest whose objects were all created with their keys in sorted order
 * (as the parser builds them): JSON.stringify then already yields the canonical JSON. A test
 * checks both functions agree on every corpus file.
 */
export function manifestHashOfSorted (manifest: Manifest): string {
  return sha256Hex(goEscape(JSON.stringify(manifest)))
}

function sha256Hex (s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex')
}
