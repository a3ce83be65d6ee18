/**
 * Akash SDL v2.0 / v2.1 → groups (Akash GroupSpecs) and the provider manifest, following
 * Akash's Go parser (chain-sdk go/sdl): decode, validate (v2.go validate()), build groups
 * (groupBuilder_v2*.go), then the chain's group limits (deployment v1beta4 validation) and the
 * manifest's own validation (manifest/v2beta3). Every rejection is an SdlError with the path.
 */
import { readFile } from 'node:fs/promises'
import { parseYaml } from './yaml-ast.js'
import type { YPos } from './yaml-ast.js'
import { SdlError } from './errors.js'
import type { SdlWarning } from './errors.js'
import { Reader, fail, get, join } from './reader.js'
import { decodeSdl, parseVersion, validateAttributes, TEE_GPU_TYPES } from './decode.js'
import type { Expose, SdlModel, SdlVersion, Service, Compute, Price } from './decode.js'
import { manifestHashOfSorted } from './manifest.js'
import type { Manifest, ManifestExpose, ManifestService, ManifestEndpoint, ManifestResources } from './manifest.js'
import type { Attribute, Endpoint, EndpointKind, Group, ResourceUnit } from './types.js'

export interface SdlOptions {
  /** Reject inputs larger than this many bytes (default 4 MiB). */
  maxBytes?: number
}

export interface SdlResult {
  version: SdlVersion
  groups: Group[]
  manifest: Manifest
  /** hex sha256 of the canonical manifest JSON (see manifest.ts) */
  manifestHash: string
  warnings: SdlWarning[]
  /** reclamation.min_window in seconds, when set */
  reclamationMinWindowSeconds?: number
}

/**
 * Chain limits (akash deployment v1beta4 validation_config.go). Storage and group totals are
 * per volume; counts multiply per-unit figures.
 */
export const SDL_LIMITS = {
  unit: {
    cpu: { min: 10, max: 384_000 },
    gpu: { min: 0, max: 24 },
    memory: { min: 1024 ** 2, max: 2 * 1024 ** 4 },
    storage: { min: 5 * 1024 ** 2, max: 32 * 1024 ** 4 },
    count: { min: 1 },
    /** max price per unit per block, in whole denom units */
    price: 10_000_000n
  },
  group: {
    cpu: 384_000 * 50,
    gpu: 24 * 50,
    memory: 2 * 1024 ** 4 * 50,
    storage: 32 * 1024 ** 4 * 50
  }
} as const

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024
const SERVICE_NAME_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const ENDPOINT_NAME_RE = /^[a-z]+[a-z\-_\d]+$/
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

const KIND_NUM: Record<EndpointKind, number> = { SHARED_HTTP: 0, RANDOM_PORT: 1, LEASED_IP: 2 }

/** Parse and validate an SDL document. Throws SdlError when Akash would reject it. */
export function parseSdl (text: string, opts: SdlOptions = {}): SdlResult {
  if (typeof text !== 'string') throw new SdlError('WRONG_TYPE', 'SDL input must be text', { path: '' })
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
  if (text.length > maxBytes) {
    throw new SdlError('INPUT_TOO_LARGE', `SDL is ${text.length} characters, above the limit of ${maxBytes}`, { path: '', expected: `at most ${maxBytes} bytes` })
  }
  try {
    return parseChecked(text)
  } catch (err) {
    if (err instanceof SdlError) throw err
    // A bug of ours, not the tenant's: still typed, never a stack trace for the user.
    throw new SdlError('INVALID_VALUE', `cannot parse SDL: ${err instanceof Error ? err.message : String(err)}`, { path: '' })
  }
}

/** Read and parse an SDL file. */
export async function parseSdlFile (path: string, opts: SdlOptions = {}): Promise<SdlResult> {
  const buf = await readFile(path)
  if (buf.length > (opts.maxBytes ?? DEFAULT_MAX_BYTES)) {
    throw new SdlError('INPUT_TOO_LARGE', `SDL file is ${buf.length} bytes`, { path: '' })
  }
  return parseSdl(buf.toString('utf8'), opts)
}

function parseChecked (text: string): SdlResult {
  const root = parseYaml(text)
  if (root === null) fail('MISSING_VERSION', 'the document is empty', '', undefined, 'an SDL mapping with version, services, profiles, deployment')
  if (root.kind !== 'map') fail('NOT_A_MAPPING', `the document is ${root.kind === 'seq' ? 'a list' : 'a scalar'}, not an SDL mapping`, '', root, 'a mapping with version, services, profiles, deployment')
  const versionNode = get(root, 'version')
  // [sdl.go] no version → invalid
  if (versionNode === undefined) fail('MISSING_VERSION', 'no version found', 'version', root, 'version: "2.0" or "2.1"')
  const version = parseVersion(versionNode) as SdlVersion
  const r = new Reader()
  const model = decodeSdl(root, version, r)
  validateModel(model, r)
  const { groups, manifest } = buildGroups(model)
  validateGroups(groups, model)
  validateManifest(manifest, model)
  const result: SdlResult = { version, groups, manifest, manifestHash: manifestHashOfSorted(manifest), warnings: r.warnings }
  if (model.reclamation !== null) result.reclamationMinWindowSeconds = model.reclamation.minWindowNs / 1e9
  return result
}

function sortedKeys<T> (m: Map<string, T>): string[] {
  return [...m.keys()].sort(byteCompare)
}

function byteCompare (a: string, b: string): number {
  // Go's sort.Strings compares bytes; for UTF-16 strings this matches except across surrogate
  // pairs vs BMP chars above U+D7FF, which never occur in SDL names that pass validation.
  return a < b ? -1 : a > b ? 1 : 0
}

/** Go's v2.validate() / v2_1.validate(): references, endpoints, credentials, storage params. */
function validateModel (m: SdlModel, r: Reader): void {
  for (const [name, ep] of m.endpoints) {
    // [v2.validate] endpoint names, kinds
    if (!ENDPOINT_NAME_RE.test(name)) fail('INVALID_NAME', `endpoint name "${name}" is not valid`, ep.path, ep.at, 'lowercase letters, then lowercase letters, digits, - or _ (2+ chars)')
    if (ep.kind === '') fail('MISSING_FIELD', `endpoint "${name}" has no kind`, join(ep.path, 'kind'), ep.at, 'kind: ip')
    if (ep.kind !== 'ip') fail('INVALID_VALUE', `endpoint "${name}" has unknown kind "${ep.kind}"`, join(ep.path, 'kind'), ep.at, 'kind: ip')
  }
  // [ValidateDeploymentGroups] at least one group
  if (m.deployment.size === 0 || [...m.deployment.values()].every(p => p.size === 0)) {
    fail('MISSING_FIELD', 'no deployment: nothing to order', 'deployment', m.deploymentPath, 'deployment: {<service>: {<placement>: {profile, count}}}')
  }
  const endpointsUsed = new Set<string>()
  const portsUsed = new Map<string, string>()
  for (const svcName of sortedKeys(m.deployment)) {
    const depl = m.deployment.get(svcName) as Map<string, import('./decode.js').ServiceDeployment>
    for (const placementName of sortedKeys(depl)) {
      const sd = depl.get(placementName) as import('./decode.js').ServiceDeployment
      const compute = m.compute.get(sd.profile)
      if (compute === undefined) {
        fail('UNKNOWN_REFERENCE', `no compute profile named "${sd.profile}"`, join(sd.path, 'profile'), sd.at, `one of: ${[...m.compute.keys()].join(', ') || '(none defined)'}`)
      }
      const placement = m.placement.get(placementName)
      if (placement === undefined) {
        fail('UNKNOWN_REFERENCE', `no placement profile named "${placementName}"`, sd.path, sd.at, `one of: ${[...m.placement.keys()].join(', ') || '(none defined)'}`)
      }
      if (!placement.pricing.has(sd.profile)) {
        fail('MISSING_FIELD', `placement "${placementName}" has no pricing for profile "${sd.profile}"`, join(join(placement.path, 'pricing'), sd.profile), placement.at, `pricing.${sd.profile}: {denom, amount}`)
      }
      const svc = m.services.get(svcName)
      if (svc === undefined) {
        fail('UNKNOWN_REFERENCE', `no service named "${svcName}"`, join('deployment', svcName), sd.at, `one of: ${[...m.services.keys()].join(', ') || '(none defined)'}`)
      }
      // [count] Akash's validation config has min count 1 (see docs/sdl.md)
      if (sd.count < SDL_LIMITS.unit.count.min) fail('LIMIT_EXCEEDED', 'count must be at least 1', join(sd.path, 'count'), sd.at, 'count >= 1')
      if (svc.credentials !== null) {
        const c = svc.credentials
        // [v2ServiceCredentials.validate] host, username and password are required
        for (const k of ['host', 'username', 'password'] as const) {
          if (c[k].trim() === '') fail('MISSING_FIELD', `credentials ${k} is required`, join(c.path, k), c.at, `a non-empty ${k}`)
        }
      }
      for (const ex of svc.expose) {
        for (const to of ex.to) {
          if (to.ip === '') continue
          // [v2.validate] IP endpoints must be global, declared, of kind ip, port unique per endpoint
          if (!to.global) fail('INVALID_VALUE', 'an IP endpoint must be global', join(to.path, 'global'), to.at, 'global: true')
          const ep = m.endpoints.get(to.ip)
          if (ep === undefined) fail('UNKNOWN_REFERENCE', `no endpoint named "${to.ip}"`, join(to.path, 'ip'), to.at, `one of: ${[...m.endpoints.keys()].join(', ') || '(none declared under endpoints)'}`)
          endpointsUsed.add(to.ip)
          const key = `${to.ip}-${ex.as}-${ex.proto}`
          const other = portsUsed.get(key)
          if (other !== undefined) fail('CONFLICT', `IP endpoint "${to.ip}" port ${ex.as}/${ex.proto} is already used by service "${other}"`, join(to.path, 'ip'), to.at, 'a distinct port per IP endpoint')
          portsUsed.set(key, svcName)
        }
      }
      validateStorageParams(m.version, svc, compute, r)
    }
  }
  for (const [name, ep] of m.endpoints) {
    if (!endpointsUsed.has(name)) fail('UNUSED_ENDPOINT', `endpoint "${name}" is declared but never used`, ep.path, ep.at, 'an expose entry with ip: ' + name)
  }
}

function validateStorageParams (version: SdlVersion, svc: Service, compute: Compute, r: Reader): void {
  const volumes = new Map((compute.resources?.storage ?? []).map(v => [v.name, v]))
  const params = svc.params?.storage ?? []
  const mounts = new Map<string, string>()
  for (const p of params) {
    const vol = volumes.get(p.name)
    // [validate] params.storage names a volume of the compute profile, with an absolute mount
    if (vol === undefined) fail('UNKNOWN_REFERENCE', `no volume named "${p.name}" in compute profile "${compute.name}"`, p.path, p.at, `one of: ${[...volumes.keys()].join(', ')}`)
    if (!p.mount.startsWith('/')) fail('INVALID_VALUE', `mount "${p.mount}" is not an absolute path`, join(p.path, 'mount'), p.at, 'an absolute path such as /data')
    const prev = mounts.get(p.mount)
    if (prev !== undefined) fail('DUPLICATE', `mount "${p.mount}" is already used by volume "${prev}"`, join(p.path, 'mount'), p.at, 'one volume per mount point')
    mounts.set(p.mount, p.name)
    const cls = vol.attributes.find(a => a.key === 'class')?.value
    // [v2_1.validate] a ram volume cannot be read-only
    if (version === '2.1' && cls === 'ram' && p.readOnly) fail('CONFLICT', 'readOnly is not allowed for a ram volume', join(p.path, 'readOnly'), p.at, 'readOnly: false')
  }
  for (const v of volumes.values()) {
    const persistent = v.attributes.some(a => a.key === 'persistent' && a.value === 'true')
    if (!persistent || params.some(p => p.name === v.name)) continue
    // [v2.validate] (v2.0 only) a persistent volume needs a mount; Go's check passes as soon as
    // the service mounts any volume, and v2.1 does not check: accepted then, with a warning.
    if (version === '2.0' && params.length === 0) {
      fail('MISSING_FIELD', `volume "${v.name}" is persistent and needs a mount`, join(join(join(svc.path, 'params'), 'storage'), v.name), v.at, `services.${svc.name}.params.storage.${v.name}.mount`)
    }
    r.warn('PERSISTENT_WITHOUT_MOUNT', join(join(join(svc.path, 'params'), 'storage'), v.name), v.at, `persistent volume "${v.name}" is not mounted by service "${svc.name}"`)
  }
}

/** Go's computeEndpointSequenceNumbers, including its numbering quirks. */
function endpointSequenceNumbers (m: SdlModel): Map<string, number> {
  const names: string[] = []
  for (const svcName of sortedKeys(m.deployment)) {
    for (const ex of m.services.get(svcName)?.expose ?? []) {
      for (const to of ex.to) {
        if (to.global && to.ip === '') continue
        names.push(to.ip)
      }
    }
  }
  names.sort(byteCompare)
  const res = new Map<string, number>()
  names.forEach((n, i) => res.set(n, i + 1))
  return res
}

function manifestExposes (exposes: Expose[], seq: Map<string, number>): ManifestExpose[] {
  const out: ManifestExpose[] = []
  for (const ex of exposes) {
    // keys in sorted order: the manifest hash relies on it (manifestHashOfSorted)
    const h = ex.httpOptions
    const httpOptions = { maxBodySize: h.maxBodySize, nextCases: h.nextCases, nextTimeout: h.nextTimeout, nextTries: h.nextTries, readTimeout: h.readTimeout, sendTimeout: h.sendTimeout }
    if (ex.to.length === 0) {
      out.push({ endpointSequenceNumber: 0, externalPort: ex.as, global: false, hosts: ex.accept, httpOptions, ip: '', port: ex.port, proto: ex.proto, service: '' })
      continue
    }
    for (const to of ex.to) {
      out.push({
        endpointSequenceNumber: to.global && to.ip !== '' ? (seq.get(to.ip) ?? 0) : 0,
        externalPort: ex.as,
        global: to.global,
        hosts: ex.accept,
        httpOptions,
        ip: to.ip,
        port: ex.port,
        proto: ex.proto,
        service: to.service
      })
    }
  }
  // ServiceExposes.Less: service, port, proto, global first
  return stableSort(out, (a, b) => {
    if (a.service !== b.service) return a.service < b.service
    if (a.port !== b.port) return a.port < b.port
    if (a.proto !== b.proto) return a.proto < b.proto
    if (a.global !== b.global) return a.global
    return false
  })
}

function stableSort<T> (arr: T[], less: (a: T, b: T) => boolean): T[] {
  for (let i = 1; i < arr.length; i++) {
    for (let j = i; j > 0 && less(arr[j] as T, arr[j - 1] as T); j--) {
      const t = arr[j] as T; arr[j] = arr[j - 1] as T; arr[j - 1] = t
    }
  }
  return arr
}

/** ServiceExpose.GetEndpoints, per expose, concatenated. */
function exposeEndpoints (exposes: ManifestExpose[]): Endpoint[] {
  const out: Endpoint[] = []
  for (const e of exposes) {
    if (!e.global) continue
    const eps: Endpoint[] = []
    if (e.ip !== '') eps.push({ kind: 'LEASED_IP', sequence: e.endpointSequenceNumber })
    const ext = e.externalPort === 0 ? e.port : e.externalPort
    eps.push({ kind: e.proto === 'TCP' && ext === 80 ? 'SHARED_HTTP' : 'RANDOM_PORT', sequence: 0 })
    out.push(...stableSort(eps, (a, b) => a.sequence < b.sequence))
  }
  return out
}

function manifestEndpoints (eps: Endpoint[]): ManifestEndpoint[] {
  return eps.map(e => (KIND_NUM[e.kind] === 0 ? { sequence_number: e.sequence } : { kind: KIND_NUM[e.kind], sequence_number: e.sequence }))
}

interface BuiltGroup { group: Group, services: ManifestService[], teeType: string, price: Map<number, Price> }

/** groupBuilder_v2.go / groupBuilder_v2_1.go */
function buildGroups (m: SdlModel): { groups: Group[], manifest: Manifest } {
  const seq = endpointSequenceNumbers(m)
  const groups = new Map<string, BuiltGroup>()
  for (const svcName of sortedKeys(m.deployment)) {
    const depl = m.deployment.get(svcName) as Map<string, import('./decode.js').ServiceDeployment>
    for (const placementName of sortedKeys(depl)) {
      const sd = depl.get(placementName) as import('./decode.js').ServiceDeployment
      const compute = m.compute.get(sd.profile) as Compute
      const svc = m.services.get(svcName) as Service
      const placement = m.placement.get(placementName) as import('./decode.js').Placement
      const price = placement.pricing.get(sd.profile) as Price
      let g = groups.get(placementName)
      if (g === undefined) {
        g = {
          group: {
            name: placementName,
            requirements: { attributes: placement.attributes.map(a => ({ ...a })), signedBy: { allOf: [...placement.signedBy.allOf], anyOf: [...placement.signedBy.anyOf] } },
            resources: []
          },
          services: [],
          teeType: '',
          price: new Map()
        }
        groups.set(placementName, g)
      }
      const res = compute.resources
      const tee = svc.params?.tee ?? null
      if (tee !== null) {
        // [tee.go validateWithGPU] a GPU TEE type needs GPUs
        if (TEE_GPU_TYPES.has(tee.type) && !(res !== undefined && res.gpu.units > 0)) {
          fail('CONFLICT', `tee type "${tee.type}" requires gpu resources`, tee.path, tee.at, `gpu units > 0 in profile ${compute.name}`)
        }
        // [groupBuilder] one TEE type per placement group, projected as a requirement
        if (g.teeType !== '' && g.teeType !== tee.type) fail('CONFLICT', `placement "${placementName}" mixes tee types "${g.teeType}" and "${tee.type}"`, tee.path, tee.at, 'one tee type per placement')
        if (g.teeType === '') {
          g.teeType = tee.type
          g.group.requirements.attributes.push({ key: 'tee/type', value: tee.type })
          g.group.requirements.attributes.sort((a, b) => byteCompare(a.key, b.key))
        }
      }
      const exposes = manifestExposes(svc.expose, seq)
      const endpoints = exposeEndpoints(exposes)
      const unitBase = unitResources(compute)
      let unitId: number
      const existing = m.version === '2.1' ? g.group.resources.find(u => profileOf.get(u) === sd.profile) : undefined
      if (existing === undefined) {
        unitId = g.group.resources.length + 1
        const unit: ResourceUnit = {
          id: unitId,
          count: sd.count,
          price: { denom: price.denom, amount: price.amount },
          ...unitBase,
          endpoints: endpoints.map(e => ({ ...e }))
        }
        profileOf.set(unit, sd.profile)
        g.group.resources.push(unit)
        g.price.set(unitId, price)
      } else {
        // [groupBuilder_v2_1] services sharing a compute profile in a placement share a unit
        unitId = existing.id
        existing.count += sd.count
        existing.endpoints = stableSort([...existing.endpoints, ...endpoints.map(e => ({ ...e }))], (a, b) => a.sequence < b.sequence)
      }
      g.services.push(manifestService(m.version, svc, sd.count, unitId, unitBase, endpoints, exposes))
    }
  }
  const names = sortedKeys(groups)
  const outGroups: Group[] = []
  const manifest: Manifest = []
  for (const name of names) {
    const g = groups.get(name) as BuiltGroup
    outGroups.push(g.group)
    manifest.push({ name, services: stableSort(g.services, (a, b) => a.name < b.name) })
  }
  return { groups: outGroups, manifest }
}

const profileOf = new WeakMap<ResourceUnit, string>()

type UnitBase = Pick<ResourceUnit, 'cpu' | 'memory' | 'storage' | 'gpu'>

function unitResources (c: Compute): UnitBase {
  const r = c.resources
  return {
    cpu: r?.cpu?.units ?? 0,
    memory: r?.memory?.size ?? 0,
    storage: (r?.storage ?? []).map(v => ({ name: v.name, size: v.size, attributes: v.attributes.map(a => ({ ...a })) })),
    gpu: { units: r?.gpu.units ?? 0, attributes: (r?.gpu.attributes ?? []).map(a => ({ ...a })) }
  }
}

function manifestService (version: SdlVersion, svc: Service, count: number, id: number, u: UnitBase,
  endpoints: Endpoint[], expose: ManifestExpose[]): ManifestService {
  // every object below is created with its keys in sorted order (see manifestHashOfSorted)
  const rv = (n: number): { val: string } => ({ val: String(n) })
  const attrs = (a: Attribute[]): Attribute[] => a.map(x => ({ key: x.key, value: x.value }))
  const resources: ManifestResources = {
    cpu: { units: rv(u.cpu) },
    endpoints: manifestEndpoints(endpoints),
    gpu: u.gpu.attributes.length > 0 ? { attributes: attrs(u.gpu.attributes), units: rv(u.gpu.units) } : { units: rv(u.gpu.units) },
    id,
    memory: { size: rv(u.memory) },
    storage: u.storage.map(v => (v.attributes.length > 0 ? { attributes: attrs(v.attributes), name: v.name, size: rv(v.size) } : { name: v.name, size: rv(v.size) }))
  }
  let params: ManifestService['params']
  if (svc.params !== null) {
    const p = svc.params
    params = {
      ...(p.permissions !== null ? { permissions: { read: p.permissions.read } } : {}),
      storage: p.storage !== null && p.storage.length > 0
        ? [...p.storage].sort((a, b) => byteCompare(a.name, b.name)).map(s => ({ mount: s.mount, name: s.name, readOnly: s.readOnly }))
        : null,
      ...(p.tee !== null ? { tee: { attestation: p.tee.attestation, type: p.tee.type } } : {})
    }
  }
  let credentials: ManifestService['credentials'] = null
  if (svc.credentials !== null) {
    const c = svc.credentials
    // v2.0's builder copies host/username/password as written; v2.1 trims and keeps the email
    credentials = version === '2.1'
      ? { email: c.email.trim(), host: c.host.trim(), password: c.password.trim(), username: c.username.trim() }
      : { email: '', host: c.host, password: c.password, username: c.username }
  }
  const out: ManifestService = {
    args: svc.args,
    command: svc.command,
    count,
    credentials,
    env: svc.env,
    expose,
    image: svc.image,
    name: svc.name,
    ...(params !== undefined ? { params } : {}),
    resources
  }
  return out
}

/** deployment v1beta4: GroupSpec.ValidateBasic and ValidateDeploymentGroups. */
function validateGroups (groups: Group[], m: SdlModel): void {
  const L = SDL_LIMITS
  let denom = ''
  for (const g of groups) {
    const placement = m.placement.get(g.name) as import('./decode.js').Placement
    let cpu = 0; let gpu = 0; let mem = 0
    for (const u of g.resources) {
      const sd = findDeployment(m, g.name, u)
      const compute = m.compute.get(sd.profile) as Compute
      const res = compute.resources
      const cpath = join(compute.path, 'resources')
      const at: YPos = compute.at
      // [validateCPU] [validateMemory] [validateStorage] present and within unit limits
      if (res?.cpu === undefined) fail('MISSING_FIELD', 'cpu is required', join(cpath, 'cpu.units'), at, 'cpu: {units: ...}')
      if (u.cpu < L.unit.cpu.min || u.cpu > L.unit.cpu.max) {
        fail('LIMIT_EXCEEDED', `cpu ${u.cpu / 1000} is outside ${L.unit.cpu.min / 1000}..${L.unit.cpu.max / 1000} cores`, join(cpath, 'cpu.units'), res.cpu.at, `${L.unit.cpu.min}m to ${L.unit.cpu.max / 1000} cores`)
      }
      if (res.memory === undefined) fail('MISSING_FIELD', 'memory is required', join(cpath, 'memory.size'), at, 'memory: {size: ...}')
      if (u.memory < L.unit.memory.min || u.memory > L.unit.memory.max) {
        fail('LIMIT_EXCEEDED', `memory ${u.memory} bytes is outside 1Mi..2Ti`, join(cpath, 'memory.size'), res.memory.at, '1Mi to 2Ti')
      }
      if (res.storage === undefined) fail('MISSING_FIELD', 'storage is required', res.storagePath, at, 'storage: {size: ...} (or a list of volumes)')
      for (const v of res.storage) {
        if (v.size < L.unit.storage.min || v.size > L.unit.storage.max) {
          fail('LIMIT_EXCEEDED', `volume "${v.name}" size ${v.size} bytes is outside 5Mi..32Ti`, join(v.path, 'size'), v.at, '5Mi to 32Ti per volume')
        }
        validateAttributes(v.attributes, join(v.path, 'attributes'), v.at)
        if (v.size * u.count > L.group.storage) fail('LIMIT_EXCEEDED', `volume "${v.name}" x count is above the group limit`, join(v.path, 'size'), v.at, 'at most 1600Ti per volume across the count')
      }
      if (u.gpu.units > L.unit.gpu.max) fail('LIMIT_EXCEEDED', `${u.gpu.units} GPUs is above ${L.unit.gpu.max}`, join(cpath, 'gpu.units'), res.gpu.at, `0 to ${L.unit.gpu.max}`)
      if (u.gpu.units === 0 && u.gpu.attributes.length > 0) fail('CONFLICT', 'gpu attributes need gpu units > 0', join(cpath, 'gpu.attributes'), res.gpu.at, 'units > 0 or no attributes')
      validateAttributes(res.cpu.attributes, join(cpath, 'cpu.attributes'), res.cpu.at)
      // [ResourceUnit.validatePricing] price per unit per block at most 10,000,000
      const price = (placement.pricing.get(sd.profile) as Price)
      if (price.scaled > L.unit.price * 10n ** 18n) {
        fail('LIMIT_EXCEEDED', `price ${price.amount} is above ${L.unit.price} ${price.denom} per block`, join(price.path, 'amount'), price.at, `at most ${L.unit.price}`)
      }
      // [GroupSpec.validatePricing] one denomination per group; [ValidateDeploymentGroups] per deployment
      if (denom === '') denom = u.price.denom
      else if (u.price.denom !== denom) fail('CONFLICT', `denomination ${u.price.denom} differs from ${denom}`, join(price.path, 'denom'), price.at, `every price in ${denom}`)
      cpu += u.cpu * u.count
      gpu += u.gpu.units * u.count
      mem += u.memory * u.count
    }
    // [ResourceUnits.Validate] group totals
    const gpath = join('profiles.placement', g.name)
    const gat = placement.at
    if (cpu <= 0 || cpu > L.group.cpu) fail('LIMIT_EXCEEDED', `group cpu total ${cpu / 1000} cores is outside (0, ${L.group.cpu / 1000}]`, gpath, gat, 'cpu x count summed over the group within limits')
    if (gpu > L.group.gpu) fail('LIMIT_EXCEEDED', `group gpu total ${gpu} is above ${L.group.gpu}`, gpath, gat, `at most ${L.group.gpu} GPUs per group`)
    if (mem <= 0 || mem > L.group.memory) fail('LIMIT_EXCEEDED', `group memory total ${mem} bytes is outside (0, 100Ti]`, gpath, gat, 'memory x count summed over the group within limits')
  }
}

function findDeployment (m: SdlModel, placement: string, u: ResourceUnit): import('./decode.js').ServiceDeployment {
  const profile = profileOf.get(u) as string
  for (const svcName of sortedKeys(m.deployment)) {
    const sd = m.deployment.get(svcName)?.get(placement)
    if (sd !== undefined && sd.profile === profile) return sd
  }
  throw new Error('unit without deployment')
}

/** manifest/v2beta3 Manifest.Validate */
function validateManifest (manifest: Manifest, m: SdlModel): void {
  const hosts = new Map<string, string>()
  let globals = 0
  for (const g of manifest) {
    for (const s of g.services) {
      const svc = m.services.get(s.name) as Service
      // [Service.validate] DNS-label service names, an image, valid env names
      if (!SERVICE_NAME_RE.test(s.name)) fail('INVALID_NAME', `service name "${s.name}" is not valid`, svc.path, svc.at, 'lowercase letters, digits and -, starting with a letter')
      if (s.image === '') fail('MISSING_FIELD', 'image is required', join(svc.path, 'image'), svc.at, 'an image such as nginx:1.25')
      for (const [i, e] of (s.env ?? []).entries()) {
        const name = e.split('=')[0] ?? ''
        if (!ENV_NAME_RE.test(name)) fail('INVALID_VALUE', `env variable name "${name}" is not valid`, join(join(svc.path, 'env'), i), svc.at, 'NAME=value with NAME of letters, digits, -, . or _')
      }
      for (const [i, e] of s.expose.entries()) {
        const src = svc.expose.find(x => x.port === e.port && x.proto === e.proto) ?? svc.expose[i]
        const path = src?.path ?? join(svc.path, 'expose')
        const at = src?.at ?? svc.at
        // [ServiceExpose.validate] 0 < port <= 65535
        if (e.port === 0 || e.port > 65535) fail('INVALID_VALUE', `port ${e.port} is outside 1..65535`, join(path, 'port'), src?.portAt ?? at, 'a port from 1 to 65535')
        if (e.global) globals++
        for (const h of e.hosts ?? []) {
          if (h.length > 253 || !DNS1123_SUBDOMAIN.test(h)) fail('INVALID_VALUE', `"${h}" is not a valid hostname`, join(path, 'accept'), at, 'a lowercase DNS name')
          // [ServiceExpose.validate] a hostname appears once in the whole manifest (so an expose
          // with accept and several `to` entries is rejected, as in Akash)
          if (hosts.has(h)) fail('DUPLICATE', `hostname "${h}" is used twice`, join(path, 'accept'), at, 'each accepted hostname once per deployment')
          hosts.set(h, s.name)
        }
      }
    }
  }
  // [Groups.Validate] at least one globally exposed service
  if (globals === 0) fail('NO_GLOBAL_SERVICE', 'no service is exposed globally', 'services', get(m.root, 'services') ?? m.root, 'an expose entry with to: [{global: true}]')
}

