/**
 * YAML tree → SDL model, with the checks Akash's Go parser makes while decoding
 * (chain-sdk go/sdl: v2.go, cpu.go, gpu.go, storage.go, coin.go, tee.go, reclamation.go).
 * Keys Go's decoder ignores are accepted with an IGNORED_KEY warning.
 */
import type { YMap, YNode, YPos, YScalar } from './yaml-ast.js'
import { Reader, fail, get, join, isNull, describe } from './reader.js'
import { parseByteQuantity, parseCpuQuantity, parseGoDuration, stringWithSuffix } from './units.js'
import { parseDecimal, formatDecimal } from './decimal.js'
import type { Attribute } from './types.js'

export type SdlVersion = '2.0' | '2.1'

export interface HttpOptions {
  maxBodySize: number
  readTimeout: number
  sendTimeout: number
  nextTries: number
  nextTimeout: number
  nextCases: string[]
}

export interface ExposeTo { service: string, global: boolean, ip: string, path: string, at: YPos }
export interface Expose {
  port: number
  as: number
  proto: 'TCP' | 'UDP'
  to: ExposeTo[]
  accept: string[] | null
  httpOptions: HttpOptions
  path: string
  at: YPos
  portAt: YPos | undefined
}

export interface StorageParam { name: string, mount: string, readOnly: boolean, path: string, at: YPos }
export interface Service {
  name: string
  path: string
  at: YPos
  image: string
  command: string[] | null
  args: string[] | null
  env: string[] | null
  expose: Expose[]
  params: {
    storage: StorageParam[] | null
    permissions: { read: string[] | null } | null
    tee: { type: string, attestation: boolean, path: string, at: YPos } | null
  } | null
  credentials: { host: string, email: string, username: string, password: string, path: string, at: YPos } | null
}

export interface Volume { name: string, size: number, attributes: Attribute[], path: string, at: YPos }
export interface Compute {
  name: string
  path: string
  at: YPos
  /** undefined when the profile has no resources / cpu / memory / storage at all */
  resources: {
    cpu: { units: number, attributes: Attribute[], path: string, at: YPos } | undefined
    memory: { size: number, attributes: Attribute[], path: string, at: YPos } | undefined
    storage: Volume[] | undefined
    storagePath: string
    gpu: { units: number, attributes: Attribute[], path: string, at: YPos }
  } | undefined
}

export interface Price { denom: string, amount: string, scaled: bigint, path: string, at: YPos }
export interface Placement {
  name: string
  path: string
  at: YPos
  attributes: Attribute[]
  signedBy: { allOf: string[], anyOf: string[] }
  pricing: Map<string, Price>
}

export interface ServiceDeployment { profile: string, count: number, path: string, at: YPos }

export interface SdlModel {
  version: SdlVersion
  root: YMap
  services: Map<string, Service>
  compute: Map<string, Compute>
  placement: Map<string, Placement>
  /** service → placement → deployment */
  deployment: Map<string, Map<string, ServiceDeployment>>
  deploymentPath: YPos
  endpoints: Map<string, { kind: string, path: string, at: YPos }>
  reclamation: { minWindowNs: number } | null
}

const TOP_KEYS = new Set(['version', 'include', 'services', 'profiles', 'deployment', 'endpoints', 'reclamation'])
const SERVICE_KEYS = new Set(['image', 'command', 'args', 'env', 'expose', 'dependencies', 'params', 'credentials'])
const EXPOSE_KEYS = new Set(['port', 'as', 'proto', 'to', 'accept', 'http_options'])
const TO_KEYS = new Set(['service', 'global', 'http_options', 'ip'])
const HTTP_KEYS = new Set(['max_body_size', 'read_timeout', 'send_timeout', 'next_tries', 'next_timeout', 'next_cases'])
const PARAMS_KEYS = new Set(['storage', 'permissions', 'tee'])
const STORAGE_PARAM_KEYS = new Set(['mount', 'readOnly', 'keyRef'])
const CRED_KEYS = new Set(['host', 'email', 'username', 'password'])
const PROFILES_KEYS = new Set(['compute', 'placement'])
const COMPUTE_KEYS = new Set(['resources'])
const RESOURCES_KEYS = new Set(['cpu', 'gpu', 'memory', 'storage'])
const MEMORY_KEYS = new Set(['size', 'attributes'])
const VOLUME_KEYS = new Set(['name', 'size', 'attributes'])
const PLACEMENT_KEYS = new Set(['attributes', 'signedBy', 'pricing'])
const SIGNED_KEYS = new Set(['allOf', 'anyOf'])
const COIN_KEYS = new Set(['denom', 'amount'])
const DEPLOY_KEYS = new Set(['profile', 'count'])
const ENDPOINT_KEYS = new Set(['kind'])
const RECLAIM_KEYS = new Set(['min_window'])
const NVIDIA_KEYS = new Set(['model', 'ram', 'interface'])

// v2.go http_options limits and defaults
export const HTTP_DEFAULTS = { maxBodySize: 1048576, readTimeout: 60000, sendTimeout: 60000, nextTries: 3 }
export const HTTP_LIMITS = { maxBodySize: 104857600, readTimeout: 60000, sendTimeout: 60000 }
const NEXT_CASES = new Set(['error', 'timeout', '500', '502', '503', '504', '403', '404', '429', 'off'])

const STORAGE_CLASSES = new Set(['default', 'beta1', 'beta2', 'beta3', 'ram'])
// tee.go: "cpu"/"cpu-gpu" (the string form) and the technology-specific types of the mapping form
const TEE_TYPES = new Set(['cpu', 'cpu-gpu', 'sev-snp', 'sev-snp-gpu', 'tdx', 'tdx-gpu'])
export const TEE_GPU_TYPES = new Set(['cpu-gpu', 'sev-snp-gpu', 'tdx-gpu'])
// cosmos-sdk coin denom regex
const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/

export function decodeSdl (root: YMap, version: SdlVersion, r: Reader): SdlModel {
  for (const e of root.entries) {
    // [Go v2.UnmarshalYAML] any other top-level key is an error
    if (!TOP_KEYS.has(e.key.value)) {
      fail('UNKNOWN_FIELD', `unexpected top-level key "${e.key.value}"`, e.key.value, e.key,
        'one of version, include, services, profiles, deployment, endpoints, reclamation')
    }
  }
  r.strList(get(root, 'include'), 'include')

  const services = new Map<string, Service>()
  const svcMap = r.map(get(root, 'services'), 'services')
  for (const e of svcMap?.entries ?? []) services.set(e.key.value, decodeService(e.key, e.value, r))

  const profiles = r.map(get(root, 'profiles'), 'profiles')
  if (profiles !== undefined) r.known(profiles, 'profiles', PROFILES_KEYS)
  const compute = new Map<string, Compute>()
  const computeMap = r.map(get(profiles, 'compute'), 'profiles.compute')
  for (const e of computeMap?.entries ?? []) compute.set(e.key.value, decodeCompute(e.key, e.value, r))
  const placement = new Map<string, Placement>()
  const placementMap = r.map(get(profiles, 'placement'), 'profiles.placement')
  for (const e of placementMap?.entries ?? []) placement.set(e.key.value, decodePlacement(e.key, e.value, r))

  const deployment = new Map<string, Map<string, ServiceDeployment>>()
  const depNode = get(root, 'deployment')
  const depMap = r.map(depNode, 'deployment')
  for (const e of depMap?.entries ?? []) {
    const path = join('deployment', e.key.value)
    const byPlacement = new Map<string, ServiceDeployment>()
    const pm = r.map(e.value, path)
    for (const pe of pm?.entries ?? []) {
      const ppath = join(path, pe.key.value)
      const dm = r.map(pe.value, ppath)
      if (dm !== undefined) r.known(dm, ppath, DEPLOY_KEYS)
      byPlacement.set(pe.key.value, {
        profile: r.str(get(dm, 'profile'), join(ppath, 'profile')),
        count: r.u32(get(dm, 'count'), join(ppath, 'count')),
        path: ppath,
        at: pe.key
      })
    }
    deployment.set(e.key.value, byPlacement)
  }

  const endpoints = new Map<string, { kind: string, path: string, at: YPos }>()
  const epMap = r.map(get(root, 'endpoints'), 'endpoints')
  for (const e of epMap?.entries ?? []) {
    const path = join('endpoints', e.key.value)
    const em = r.map(e.value, path)
    if (em !== undefined) r.known(em, path, ENDPOINT_KEYS)
    endpoints.set(e.key.value, { kind: r.str(get(em, 'kind'), join(path, 'kind')), path, at: e.key })
  }

  let reclamation: SdlModel['reclamation'] = null
  const recNode = get(root, 'reclamation')
  if (recNode !== undefined) {
    const rm = r.map(recNode, 'reclamation')
    if (rm !== undefined) r.known(rm, 'reclamation', RECLAIM_KEYS)
    const wNode = get(rm, 'min_window')
    const w = r.str(wNode, 'reclamation.min_window')
    const ns = parseGoDuration(w)
    // [reclamation.go] time.ParseDuration must succeed and the window must be > 0
    if (ns === undefined) {
      fail('INVALID_VALUE', `"${w}" is not a duration`, 'reclamation.min_window', wNode ?? recNode, 'a Go duration such as "24h" or "90m"')
    }
    if (ns <= 0) fail('INVALID_VALUE', 'min_window must be greater than zero', 'reclamation.min_window', wNode ?? recNode, 'a positive duration')
    if (!/^[1-9][0-9]*(s|m|h)$/.test(w)) {
      r.warn('SCHEMA_ONLY', 'reclamation.min_window', wNode ?? recNode, `"${w}" is accepted by Akash's parser but not by its JSON schema (^[1-9][0-9]*(s|m|h)$)`)
    }
    reclamation = { minWindowNs: ns }
  }

  return { version, root, services, compute, placement, deployment, deploymentPath: depNode ?? root, endpoints, reclamation }
}

function decodeService (key: YScalar, node: YNode, r: Reader): Service {
  const path = join('services', key.value)
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, SERVICE_KEYS)
  const exposeSeq = r.seq(get(m, 'expose'), join(path, 'expose'))
  const expose = (exposeSeq?.items ?? []).map((n, i) => decodeExpose(n, join(join(path, 'expose'), i), r))
  const depSeq = r.seq(get(m, 'dependencies'), join(path, 'dependencies'))
  for (const [i, d] of (depSeq?.items ?? []).entries()) {
    const dm = r.map(d, join(join(path, 'dependencies'), i))
    r.str(get(dm, 'service'), join(join(join(path, 'dependencies'), i), 'service'))
  }
  return {
    name: key.value,
    path,
    at: key,
    image: r.str(get(m, 'image'), join(path, 'image')),
    command: r.strList(get(m, 'command'), join(path, 'command')),
    args: r.strList(get(m, 'args'), join(path, 'args')),
    env: r.strList(get(m, 'env'), join(path, 'env')),
    expose,
    params: decodeParams(get(m, 'params'), join(path, 'params'), r),
    credentials: decodeCredentials(get(m, 'credentials'), join(path, 'credentials'), r)
  }
}

function decodeExpose (node: YNode, path: string, r: Reader): Expose {
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, EXPOSE_KEYS)
  const protoNode = get(m, 'proto')
  const protoRaw = r.str(protoNode, join(path, 'proto'))
  let proto: 'TCP' | 'UDP'
  // [manifest.ParseServiceProtocol] TCP (default) or UDP, either case
  if (protoRaw === '' || protoRaw === 'TCP' || protoRaw === 'tcp') proto = 'TCP'
  else if (protoRaw === 'UDP' || protoRaw === 'udp') proto = 'UDP'
  else return fail('INVALID_VALUE', `unknown protocol "${protoRaw}"`, join(path, 'proto'), protoNode, 'tcp or udp')
  const toSeq = r.seq(get(m, 'to'), join(path, 'to'))
  const to = (toSeq?.items ?? []).map((n, i) => {
    const tpath = join(join(path, 'to'), i)
    const tm = r.map(n, tpath)
    if (tm !== undefined) r.known(tm, tpath, TO_KEYS)
    // Go decodes `to[].http_options` but never uses it
    decodeHttpOptions(get(tm, 'http_options'), join(tpath, 'http_options'), r, false)
    return {
      service: r.str(get(tm, 'service'), join(tpath, 'service')),
      global: r.bool(get(tm, 'global'), join(tpath, 'global')),
      ip: r.str(get(tm, 'ip'), join(tpath, 'ip')),
      path: tpath,
      at: n
    }
  })
  const acceptPath = join(path, 'accept')
  const acceptSeq = r.seq(get(m, 'accept'), acceptPath, 'a list of hostnames')
  let accept: string[] | null = null
  if (acceptSeq !== undefined) {
    accept = acceptSeq.items.map((n, i) => {
      const h = r.str(n, join(acceptPath, i))
      // [v2Accept] url.ParseRequestURI("http://" + item) must succeed
      if (!isRequestUriHost(h)) fail('INVALID_VALUE', `"${h}" is not a valid host`, join(acceptPath, i), n, 'a hostname such as example.com')
      return h
    })
  }
  return {
    port: r.u32(get(m, 'port'), join(path, 'port')),
    as: r.u32(get(m, 'as'), join(path, 'as')),
    proto,
    to,
    accept,
    httpOptions: decodeHttpOptions(get(m, 'http_options'), join(path, 'http_options'), r, true),
    path,
    at: node,
    portAt: get(m, 'port')
  }
}

function isRequestUriHost (h: string): boolean {
  // what makes Go's url.ParseRequestURI("http://"+h) fail: control chars, spaces, bad % escapes,
  // an invalid port, or a malformed host
  if (/[\x00-\x20\x7f]/.test(h)) return false
  if (/%(?![0-9a-fA-F]{2})/.test(h)) return false
  const authority = h.split(/[/?#]/)[0] ?? ''
  const hostport = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport)
  if (m === null) return false
  return true
}

function decodeHttpOptions (node: YNode | undefined, path: string, r: Reader, validate: boolean): HttpOptions {
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, HTTP_KEYS)
  const at = node
  const raw = {
    maxBodySize: r.u32(get(m, 'max_body_size'), join(path, 'max_body_size')),
    readTimeout: r.u32(get(m, 'read_timeout'), join(path, 'read_timeout')),
    sendTimeout: r.u32(get(m, 'send_timeout'), join(path, 'send_timeout')),
    nextTries: r.u32(get(m, 'next_tries'), join(path, 'next_tries')),
    nextTimeout: r.u32(get(m, 'next_timeout'), join(path, 'next_timeout')),
    nextCases: r.strList(get(m, 'next_cases'), join(path, 'next_cases')) ?? []
  }
  if (!validate) return { ...raw }
  // [v2HTTPOptions.asManifest] zero means default; values above the limits are rejected
  const limit = (v: number, def: number, max: number, key: string, unit: string): number => {
    if (v === 0) return def
    if (v > max) fail('LIMIT_EXCEEDED', `${v} is above the limit of ${max} ${unit}`, join(path, key), get(m, key) ?? at, `at most ${max} ${unit}`)
    return v
  }
  const nextCases = raw.nextCases.length === 0 ? ['error', 'timeout'] : raw.nextCases
  for (const [i, c] of raw.nextCases.entries()) {
    const cpath = join(join(path, 'next_cases'), i)
    const cnode = (get(m, 'next_cases') as { items?: YNode[] } | undefined)?.items?.[i]
    if (!NEXT_CASES.has(c)) fail('INVALID_VALUE', `unknown next case "${c}"`, cpath, cnode, 'one of error, timeout, 500, 502, 503, 504, 403, 404, 429, off')
    if (c === 'off' && raw.nextCases.length !== 1) fail('CONFLICT', '"off" cannot be combined with other next cases', cpath, cnode, '"off" alone')
  }
  return {
    maxBodySize: limit(raw.maxBodySize, HTTP_DEFAULTS.maxBodySize, HTTP_LIMITS.maxBodySize, 'max_body_size', 'bytes'),
    readTimeout: limit(raw.readTimeout, HTTP_DEFAULTS.readTimeout, HTTP_LIMITS.readTimeout, 'read_timeout', 'ms'),
    sendTimeout: limit(raw.sendTimeout, HTTP_DEFAULTS.sendTimeout, HTTP_LIMITS.sendTimeout, 'send_timeout', 'ms'),
    nextTries: raw.nextTries === 0 ? HTTP_DEFAULTS.nextTries : raw.nextTries,
    nextTimeout: raw.nextTimeout,
    nextCases
  }
}

function decodeParams (node: YNode | undefined, path: string, r: Reader): Service['params'] {
  if (isNull(node)) return null
  const m = r.map(node, path) as YMap
  r.known(m, path, PARAMS_KEYS)
  let storage: StorageParam[] | null = null
  const spath = join(path, 'storage')
  const sm = r.map(get(m, 'storage'), spath)
  if (sm !== undefined) {
    storage = sm.entries.map(e => {
      const vpath = join(spath, e.key.value)
      const vm = r.map(e.value, vpath)
      if (vm !== undefined) r.known(vm, vpath, STORAGE_PARAM_KEYS)
      r.str(get(vm, 'keyRef'), join(vpath, 'keyRef'))
      return {
        name: e.key.value,
        mount: r.str(get(vm, 'mount'), join(vpath, 'mount')),
        readOnly: r.bool(get(vm, 'readOnly'), join(vpath, 'readOnly')),
        path: vpath,
        at: e.key
      }
    })
  }
  let permissions: { read: string[] | null } | null = null
  const pNode = get(m, 'permissions')
  if (!isNull(pNode)) {
    const pm = r.map(pNode, join(path, 'permissions'))
    permissions = { read: r.strList(get(pm, 'read'), join(join(path, 'permissions'), 'read')) }
  }
  let tee: NonNullable<Service['params']>['tee'] = null
  const tNode = get(m, 'tee')
  const tpath = join(path, 'tee')
  if (tNode !== undefined && !isNull(tNode)) {
    let type: string
    let attestation = true
    if (tNode.kind === 'map') {
      type = r.str(get(tNode, 'type'), join(tpath, 'type'))
      const a = get(tNode, 'attestation')
      if (a !== undefined && !isNull(a)) attestation = r.bool(a, join(tpath, 'attestation'))
    } else {
      type = r.str(tNode, tpath)
    }
    // [tee.go] the type is required and must be a supported one
    if (type === '') fail('MISSING_FIELD', 'tee type is required', tpath, tNode, [...TEE_TYPES].join(', '))
    if (!TEE_TYPES.has(type)) fail('INVALID_VALUE', `unsupported tee type "${type}"`, tpath, tNode, [...TEE_TYPES].join(', '))
    tee = { type, attestation, path: tpath, at: tNode }
  }
  return { storage, permissions, tee }
}

function decodeCredentials (node: YNode | undefined, path: string, r: Reader): Service['credentials'] {
  if (isNull(node)) return null
  const m = r.map(node, path) as YMap
  r.known(m, path, CRED_KEYS)
  const c = {
    host: r.str(get(m, 'host'), join(path, 'host')),
    email: r.str(get(m, 'email'), join(path, 'email')),
    username: r.str(get(m, 'username'), join(path, 'username')),
    password: r.str(get(m, 'password'), join(path, 'password')),
    path,
    at: node as YNode
  }
  // Akash's JSON schema asks for more; its Go parser does not check these
  if (c.email !== '' && c.email.trim().length < 5) r.warn('SCHEMA_ONLY', join(path, 'email'), get(m, 'email'), 'email shorter than the JSON schema minimum (5)')
  if (c.password !== '' && c.password.trim().length < 6) r.warn('SCHEMA_ONLY', join(path, 'password'), get(m, 'password'), 'password shorter than the JSON schema minimum (6)')
  return c
}

function decodeCompute (key: YScalar, node: YNode, r: Reader): Compute {
  const path = join(join('profiles', 'compute'), key.value)
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, COMPUTE_KEYS)
  const rpath = join(path, 'resources')
  const rm = r.map(get(m, 'resources'), rpath)
  if (rm === undefined) return { name: key.value, path, at: key, resources: undefined }
  r.known(rm, rpath, RESOURCES_KEYS)

  let cpu: NonNullable<Compute['resources']>['cpu']
  const cpuPath = join(rpath, 'cpu')
  const cpuMap = r.map(get(rm, 'cpu'), cpuPath)
  if (cpuMap !== undefined) {
    let units = 0
    let attributes: Attribute[] = []
    for (const e of cpuMap.entries) {
      const p = join(cpuPath, e.key.value)
      if (e.key.value === 'units') {
        const s = r.str(e.value, p)
        const q = parseCpuQuantity(s)
        if (!q.ok) {
          fail(q.reason === 'syntax' ? 'INVALID_UNIT' : 'INVALID_VALUE', q.reason === 'negative' ? `negative cpu "${s}"` : `"${s}" is not a cpu quantity`, p, e.value,
            'cores as a number (0.5, 2) or millicores with m (500m)')
        }
        units = q.value
      } else if (e.key.value === 'attributes') {
        const am = r.map(e.value, p)
        attributes = []
        for (const ae of am?.entries ?? []) {
          // [cpu.go] only `arch` is a cpu attribute
          if (ae.key.value !== 'arch') fail('UNKNOWN_FIELD', `unsupported cpu attribute "${ae.key.value}"`, join(p, ae.key.value), ae.key, 'arch')
          attributes.push({ key: 'arch', value: r.str(ae.value, join(p, 'arch')) })
        }
      } else {
        // [cpu.go] any other key is an error
        fail('UNKNOWN_FIELD', `unsupported cpu field "${e.key.value}"`, p, e.key, 'units, attributes')
      }
    }
    cpu = { units, attributes, path: cpuPath, at: cpuMap }
  }

  let memory: NonNullable<Compute['resources']>['memory']
  const memPath = join(rpath, 'memory')
  const memMap = r.map(get(rm, 'memory'), memPath)
  if (memMap !== undefined) {
    r.known(memMap, memPath, MEMORY_KEYS)
    const sizeNode = get(memMap, 'size')
    memory = { size: byteQuantity(sizeNode, join(memPath, 'size'), memMap, r), attributes: [], path: memPath, at: memMap }
  }

  const storagePath = join(rpath, 'storage')
  const storage = decodeStorage(get(rm, 'storage'), storagePath, r)
  const gpu = decodeGpu(get(rm, 'gpu'), join(rpath, 'gpu'), rm, r)
  return { name: key.value, path, at: key, resources: { cpu, memory, storage, storagePath, gpu } }
}

function byteQuantity (node: YNode | undefined, path: string, parent: YPos, r: Reader): number {
  const s = r.str(node, path)
  if (s === '') fail('MISSING_FIELD', 'a size is required', path, node ?? parent, 'a size such as 512Mi or 1Gi')
  const q = parseByteQuantity(s)
  if (!q.ok) {
    fail(q.reason === 'syntax' ? 'INVALID_UNIT' : 'INVALID_VALUE', q.reason === 'negative' ? `negative size "${s}"` : q.reason === 'overflow' ? `"${s}" is too large` : `"${s}" is not a size`,
      path, node, 'a number with an optional suffix k, Ki, M, Mi, G, Gi, T, Ti, P, Pi, E, Ei (e.g. 512Mi)')
  }
  if (q.lenient === true) {
    r.warn('NON_GO_UNIT', path, node, `"${s}" is not a unit Akash's Go parser (akash CLI) reads; taken as ${q.value} bytes, as Akash Console does`)
  }
  return q.value
}

function decodeStorage (node: YNode | undefined, path: string, r: Reader): Volume[] | undefined {
  if (isNull(node)) return undefined
  const n = node as YNode
  const volumes: Volume[] = []
  const one = (vn: YNode, vpath: string, single: boolean): Volume => {
    const vm = r.map(vn, vpath)
    if (vm !== undefined) r.known(vm, vpath, VOLUME_KEYS)
    const nameRaw = r.str(get(vm, 'name'), join(vpath, 'name'))
    // [storage.go UnmarshalYAML] a list item keeps its name ("default" when absent); a single
    // mapping is always "default": Go decodes its `name` (so its type is checked) and overwrites
    // it. Akash's TS SDK keeps that name instead; Go is the reference (docs/sdl.md).
    const name = single || nameRaw === '' ? 'default' : nameRaw
    const size = byteQuantity(get(vm, 'size'), join(vpath, 'size'), vn, r)
    const attributes = decodeStorageAttributes(get(vm, 'attributes'), join(vpath, 'attributes'), r)
    return { name, size, attributes, path: vpath, at: vn }
  }
  if (n.kind === 'seq') n.items.forEach((it, i) => volumes.push(one(it, join(path, i), false)))
  else if (n.kind === 'map') volumes.push(one(n, path, true))
  else fail('WRONG_TYPE', `expected a volume or a list of volumes, found ${describe(n)}`, path, n, 'a mapping with size, or a list of them')
  const names = new Set<string>()
  for (const v of volumes) {
    // [storage.go] volume names are unique within a profile
    if (names.has(v.name)) fail('DUPLICATE', `duplicated volume name "${v.name}"`, join(v.path, 'name'), v.at, 'unique volume names (one unnamed volume at most)')
    names.add(v.name)
  }
  return sortVolumes(volumes)
}

function decodeStorageAttributes (node: YNode | undefined, path: string, r: Reader): Attribute[] {
  const m = r.map(node, path)
  if (m === undefined) return []
  const res = new Map<string, string>()
  for (const e of m.entries) res.set(e.key.value, r.str(e.value, join(path, e.key.value)))
  if (!res.has('persistent')) res.set('persistent', 'false')
  const persistent = res.get('persistent') as string
  const cls = res.get('class') ?? ''
  const at = (k: string): YPos => get(m, k) ?? m
  // [storage.go v2StorageAttributes] class/persistent consistency, on the raw values
  if (cls === '') {
    if (persistent === 'true') res.set('class', 'default')
  } else if (cls === 'ram') {
    if (persistent !== 'false') fail('CONFLICT', 'ram storage class cannot be persistent', join(path, 'persistent'), at('persistent'), 'persistent: false with class ram')
  } else if (persistent === 'false') {
    fail('CONFLICT', `ephemeral storage cannot set class "${cls}"`, join(path, 'class'), at('class'), 'persistent: true with a storage class')
  }
  const out: Attribute[] = []
  for (const [k, v] of res) {
    if (k === 'persistent') {
      const b = v === 'true' || v === 'on' || v === 'yes' ? 'true' : v === 'false' || v === 'off' || v === 'no' ? 'false' : undefined
      if (b === undefined) fail('INVALID_VALUE', `invalid value "${v}" for persistent`, join(path, k), at(k), 'true or false')
      out.push({ key: k, value: b })
    } else if (k === 'class') {
      if (!STORAGE_CLASSES.has(v)) fail('INVALID_VALUE', `unknown storage class "${v}"`, join(path, k), at(k), [...STORAGE_CLASSES].join(', '))
      out.push({ key: k, value: v })
    } else {
      fail('UNKNOWN_FIELD', `unsupported storage attribute "${k}"`, join(path, k), get(m, k) === undefined ? m : m.entries.find(x => x.key.value === k)?.key, 'persistent, class')
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * Go's v2ResourceStorageArray.sort(): sort.SliceStable (insertion sort for up to 20 items) with
 * Akash's comparator, replicated as is (it is not a strict order, so the algorithm matters).
 */
function sortVolumes (v: Volume[]): Volume[] {
  const find = (x: Volume, k: string): string | undefined => x.attributes.find(a => a.key === k)?.value
  const less = (a: Volume, b: Volume): boolean => {
    if (a.size < b.size) return true
    if (a.size > b.size) return false
    const ai = find(a, 'persistent')
    const bj = find(b, 'persistent')
    if ((ai === undefined && bj !== undefined) || (ai !== undefined && bj !== undefined && ai < bj)) return true
    if (ai !== undefined && bj === undefined) return false
    if (ai !== 'true') return true
    if (bj !== 'true') return false
    return a.name < b.name
  }
  const blockSize = 20
  const insertion = (lo: number, hi: number): void => {
    for (let i = lo + 1; i < hi; i++) {
      for (let j = i; j > lo && less(v[j] as Volume, v[j - 1] as Volume); j--) {
        const t = v[j] as Volume; v[j] = v[j - 1] as Volume; v[j - 1] = t
      }
    }
  }
  if (v.length > blockSize) {
    fail('LIMIT_EXCEEDED', `${v.length} storage volumes`, v[0]?.path ?? '', v[0]?.at, `at most ${blockSize} volumes`)
  }
  insertion(0, v.length)
  return v
}

function decodeGpu (node: YNode | undefined, path: string, parent: YPos, r: Reader): NonNullable<Compute['resources']>['gpu'] {
  const gm = r.map(node, path)
  let units = 0
  let attributes: Attribute[] = []
  let interconnect = ''
  if (gm !== undefined) {
    for (const e of gm.entries) {
      const p = join(path, e.key.value)
      if (e.key.value === 'units') {
        const s = r.str(e.value, p)
        if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) fail('INVALID_VALUE', `"${s}" is not a gpu count`, p, e.value, 'a whole number of GPUs')
        units = Number(s)
      } else if (e.key.value === 'attributes') {
        const res = decodeGpuAttributes(e.value, p, r)
        attributes = res.attributes
        interconnect = res.interconnect
      } else {
        // [gpu.go] any other key is an error
        fail('UNKNOWN_FIELD', `unsupported gpu field "${e.key.value}"`, p, e.key, 'units, attributes')
      }
    }
    // [gpu.go] units > 0 needs a vendor
    if (units > 0 && attributes.length === 0) fail('MISSING_FIELD', 'gpu attributes (vendor) are required when units > 0', join(path, 'attributes'), gm, 'attributes: {vendor: {nvidia: [...]}}')
    if (units === 0 && interconnect !== '') fail('CONFLICT', 'gpu interconnect needs gpu units > 0', join(path, 'attributes.interconnect'), gm, 'units > 0')
  }
  return { units, attributes, path, at: gm ?? parent }
}

function decodeGpuAttributes (node: YNode, path: string, r: Reader): { attributes: Attribute[], interconnect: string } {
  const m = r.map(node, path)
  let vendor: YMap | undefined
  let vendorSet = false
  let interconnect = ''
  for (const e of m?.entries ?? []) {
    const p = join(path, e.key.value)
    if (e.key.value === 'vendor') {
      vendor = r.map(e.value, p)
      vendorSet = vendor !== undefined
    } else if (e.key.value === 'interconnect') {
      const v = e.value
      if (v.kind === 'seq' && v.items.length === 0) interconnect = 'auto'
      else if (v.kind === 'map') {
        const g = r.str(get(v, 'group'), join(p, 'group'))
        if (g === '') fail('MISSING_FIELD', 'interconnect group is required', join(p, 'group'), v, 'a group name')
        if (g === 'auto') fail('INVALID_VALUE', '"auto" is a reserved interconnect group', join(p, 'group'), v, 'another group name')
        interconnect = g
      } else fail('WRONG_TYPE', 'expected [] or {group: <name>}', p, v, '[] or {group: <name>}')
    } else {
      fail('UNKNOWN_FIELD', `unsupported gpu attribute "${e.key.value}"`, p, e.key, 'vendor')
    }
  }
  // [gpu.go] at least one vendor must be set. Go would also read `vendor: {}` or an unknown
  // vendor (amd) as "any nvidia GPU"; skymesh rejects both rather than order the wrong hardware.
  if (!vendorSet || vendor === undefined) fail('MISSING_FIELD', 'at least one gpu vendor must be set', join(path, 'vendor'), m ?? node, 'vendor: {nvidia: ...}')
  const attrs: Attribute[] = []
  let nvidiaSeen = false
  for (const e of vendor.entries) {
    const vp = join(join(path, 'vendor'), e.key.value)
    if (e.key.value !== 'nvidia') fail('INVALID_VALUE', `unsupported gpu vendor "${e.key.value}"`, vp, e.key, 'nvidia')
    nvidiaSeen = true
    const models = r.seq(e.value, vp, 'a list of models')
    for (const [i, mn] of (models?.items ?? []).entries()) {
      const mp = join(vp, i)
      const mm = r.map(mn, mp)
      if (mm !== undefined) r.known(mm, mp, NVIDIA_KEYS)
      let key = r.str(get(mm, 'model'), join(mp, 'model'))
      const ramNode = get(mm, 'ram')
      if (ramNode !== undefined && !isNull(ramNode)) {
        const bytes = byteQuantity(ramNode, join(mp, 'ram'), mn, r)
        key += '/ram/' + stringWithSuffix(bytes, 'Gi')
      }
      const ifNode = get(mm, 'interface')
      if (ifNode !== undefined && !isNull(ifNode)) {
        const iface = r.str(ifNode, join(mp, 'interface'))
        if (iface !== 'pcie' && iface !== 'sxm') fail('INVALID_VALUE', `invalid gpu interface "${iface}"`, join(mp, 'interface'), ifNode, 'pcie or sxm')
        key += '/interface/' + iface
      }
      attrs.push({ key: `vendor/nvidia/model/${key}`, value: 'true' })
    }
  }
  if (!nvidiaSeen) fail('MISSING_FIELD', 'at least one gpu vendor must be set', join(path, 'vendor'), vendor, 'vendor: {nvidia: ...}')
  if (attrs.length === 0) attrs.push({ key: 'vendor/nvidia/model/*', value: 'true' })
  if (interconnect !== '') attrs.push({ key: 'interconnect/group', value: interconnect })
  attrs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  validateAttributes(attrs, path, node)
  return { attributes: attrs, interconnect }
}

// attributes/v1 AttributeNameRegexpStringWildcard: only a trailing * is a glob
const ATTR_KEY_RE = /^([a-zA-Z][\w/.-]{1,126}[\w*]?)$/

/** [types.Attributes.Validate] keys match the attribute regexp and are unique. */
export function validateAttributes (attrs: Attribute[], path: string, at: YPos): void {
  const seen = new Set<string>()
  for (const a of attrs) {
    if (!ATTR_KEY_RE.test(a.key)) fail('INVALID_VALUE', `attribute key "${a.key}" is not valid`, path, at, 'letters, digits, _ / . - (2..128 chars, optional trailing *)')
    if (seen.has(a.key)) fail('DUPLICATE', `duplicate attribute "${a.key}"`, path, at, 'unique attributes')
    seen.add(a.key)
  }
}

function decodePlacement (key: YScalar, node: YNode, r: Reader): Placement {
  const path = join(join('profiles', 'placement'), key.value)
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, PLACEMENT_KEYS)
  const apath = join(path, 'attributes')
  const am = r.map(get(m, 'attributes'), apath)
  const attributes: Attribute[] = (am?.entries ?? []).map(e => ({ key: e.key.value, value: r.str(e.value, join(apath, e.key.value)) }))
  attributes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const spath = join(path, 'signedBy')
  const sm = r.map(get(m, 'signedBy'), spath)
  if (sm !== undefined) r.known(sm, spath, SIGNED_KEYS)
  const signedBy = {
    allOf: r.strList(get(sm, 'allOf'), join(spath, 'allOf')) ?? [],
    anyOf: r.strList(get(sm, 'anyOf'), join(spath, 'anyOf')) ?? []
  }
  const pricing = new Map<string, Price>()
  const ppath = join(path, 'pricing')
  const pm = r.map(get(m, 'pricing'), ppath)
  for (const e of pm?.entries ?? []) pricing.set(e.key.value, decodeCoin(e.value, join(ppath, e.key.value), e.key, r))
  return { name: key.value, path, at: key, attributes, signedBy, pricing }
}

function decodeCoin (node: YNode, path: string, keyPos: YPos, r: Reader): Price {
  const m = r.map(node, path)
  if (m !== undefined) r.known(m, path, COIN_KEYS)
  const amountNode = get(m, 'amount')
  const denomNode = get(m, 'denom')
  const amount = r.str(amountNode, join(path, 'amount'))
  const denom = r.str(denomNode, join(path, 'denom'))
  const at = amountNode ?? m ?? keyPos
  // [coin.go] sdk.NewDecFromStr: a plain decimal with at most 18 fractional digits
  if (amount === '') fail('MISSING_FIELD', 'a price amount is required', join(path, 'amount'), at, 'a positive decimal amount')
  if (amount.startsWith('-') && parseDecimal(amount.slice(1)) !== undefined) {
    fail('INVALID_VALUE', `negative amount ${amount}`, join(path, 'amount'), at, 'a positive decimal amount')
  }
  const scaled = parseDecimal(amount.startsWith('+') ? amount.slice(1) : amount)
  if (scaled === undefined) fail('INVALID_VALUE', `"${amount}" is not a decimal amount`, join(path, 'amount'), at, 'a decimal such as 1000 or 0.5 (at most 18 decimals, no exponent)')
  if (scaled === 0n) fail('INVALID_VALUE', 'amount is zero', join(path, 'amount'), at, 'a positive decimal amount')
  // [coin.go] sdk.NewDecCoinFromDec panics on an invalid denom
  if (!DENOM_RE.test(denom)) fail('INVALID_VALUE', `"${denom}" is not a valid denomination`, join(path, 'denom'), denomNode ?? m ?? keyPos, 'a denom such as uakt or uact')
  if (denom !== 'uakt' && denom !== 'uact' && !denom.startsWith('ibc/')) {
    r.warn('UNUSUAL_DENOM', join(path, 'denom'), denomNode, `denom "${denom}" is not uakt, uact or an ibc/ denom (Akash's JSON schema rejects it)`)
  }
  return { denom, amount: formatDecimal(scaled), scaled, path, at: m ?? keyPos }
}

/** Akash's semver.ParseTolerant, restricted to the versions this parser implements. */
export function parseVersion (node: YNode | undefined): SdlVersion | undefined {
  if (node === undefined) return undefined
  if (node.kind !== 'scalar') return fail('UNSUPPORTED_VERSION', 'version must be a string such as "2.0"', 'version', node, '"2.0" or "2.1"')
  const s = node.value.trim().replace(/^v/, '')
  const parts = s.split('.')
  if (parts.length > 3 || parts.some(p => !/^\d+$/.test(p))) {
    return fail('UNSUPPORTED_VERSION', `"${node.value}" is not a version`, 'version', node, '"2.0" or "2.1"')
  }
  const [maj, min, patch] = [Number(parts[0]), Number(parts[1] ?? 0), Number(parts[2] ?? 0)]
  if (maj === 2 && min === 0 && patch === 0) return '2.0'
  if (maj === 2 && min === 1) return '2.1'
  return fail('UNSUPPORTED_VERSION', `unsupported SDL version "${node.value}"`, 'version', node, '"2.0" or "2.1"')
}
