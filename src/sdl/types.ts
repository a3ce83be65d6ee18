/**
 * The SDL layer's output: Akash GroupSpecs, in the JSON shape `skymesh sdl --json` prints.
 * cpu in millicores, memory and storage sizes in bytes, price = max per unit per block.
 * Other layers (hardware matching, market orders) depend only on these types.
 */
export interface Attribute {
  key: string
  value: string
}

export interface SignedBy {
  allOf: string[]
  anyOf: string[]
}

export interface PlacementRequirements {
  attributes: Attribute[]
  signedBy: SignedBy
}

/** A decimal coin amount, exactly as Akash's DecCoin: denom plus a non-negative decimal string. */
export interface DecCoin {
  denom: string
  amount: string
}

export interface StorageVolume {
  name: string
  /** bytes */
  size: number
  /** Akash storage attributes, e.g. {key: 'persistent', value: 'true'}, {key: 'class', value: 'beta3'} */
  attributes: Attribute[]
}

export interface GpuRequest {
  units: number
  /** Akash GPU attributes, e.g. {key: 'vendor/nvidia/model/h100/ram/80Gi/interface/sxm', value: 'true'} */
  attributes: Attribute[]
}

export type EndpointKind = 'SHARED_HTTP' | 'RANDOM_PORT' | 'LEASED_IP'

export interface Endpoint {
  kind: EndpointKind
  sequence: number
}

export interface ResourceUnit {
  id: number
  count: number
  price: DecCoin
  /** millicores */
  cpu: number
  /** bytes */
  memory: number
  storage: StorageVolume[]
  gpu: GpuRequest
  endpoints: Endpoint[]
}

export interface Group {
  name: string
  requirements: PlacementRequirements
  resources: ResourceUnit[]
}
