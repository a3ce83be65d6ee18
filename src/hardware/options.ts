import type { Attribute } from '../sdl/types.js'
import type { Clock } from '../util/clock.js'
import { systemClock } from '../util/clock.js'
import type { GpuTable } from './gpu-table.js'
import { AKASH_GPU_TABLE } from './gpu-ids.js'

/**
 * Options of the hardware layer. The config layer maps config files onto these; every field has a
 * default below so a bare `probeHardware()` works.
 */
export interface ProbeOptions {
  /** PATH searched for nvidia-smi, rocm-smi, amd-smi and lspci. Default: process.env.PATH. */
  pathEnv?: string
  /** Explicit tool paths; when set, PATH is not searched for that tool. */
  nvidiaSmiPath?: string
  rocmSmiPath?: string
  amdSmiPath?: string
  lspciPath?: string
  /**
   * Per-tool time limit. nvidia-smi on a machine without persistence mode initialises every GPU
   * on each call (about 0.3–1 s per GPU on 8-GPU hosts), so a few seconds is normal; a hung
   * driver is not.
   */
  toolTimeoutMs: number
  /** Output cap per tool run; 8 GPUs x 16 fields is about 1 KiB, so this only stops runaways. */
  maxToolOutputBytes: number
  /** PCI id → Akash name table (Akash provider-configs gpus.json). */
  gpuTable: GpuTable
  /** Skip GPU tools entirely (hosts the operator says have no GPU). */
  skipGpus: boolean
  clock: Clock
}

export const defaultProbeOptions: ProbeOptions = {
  toolTimeoutMs: 8_000,
  maxToolOutputBytes: 1024 * 1024,
  gpuTable: AKASH_GPU_TABLE,
  skipGpus: false,
  clock: systemClock
}

/** What the operator keeps for the host itself; never offered to tenants. */
export interface ReservedResources {
  cpuMillicores: number
  memoryBytes: number
  /** Taken from the ephemeral storage pool (the system disk). */
  storageBytes: number
}

export const defaultReservedResources: ReservedResources = {
  cpuMillicores: 0,
  memoryBytes: 0,
  storageBytes: 0
}

/**
 * Which filesystems serve which kind of storage. Akash providers serve ephemeral storage from the
 * node's root filesystem and persistent volumes from a storage class (Ceph or local disks); a
 * single-host provider does both from local filesystems.
 */
export interface StorageOptions {
  /** The filesystem holding ephemeral (non-persistent) volumes. Default '/'. */
  ephemeralMount: string
  /**
   * Filesystems offered for persistent volumes, each under its guessed class. Default: every
   * probed local filesystem (undefined). An empty list offers no persistent storage.
   */
  persistentMounts?: string[]
  /** Offer the Akash `ram` class (memory-backed volumes, counted against memory). Default true. */
  ramClass: boolean
}

export const defaultStorageOptions: StorageOptions = {
  ephemeralMount: '/',
  ramClass: true
}

/** Everything the hardware layer needs from config, in one place for the lead to wire. */
export interface HardwareOptions {
  probe: ProbeOptions
  reserved: ReservedResources
  storage: StorageOptions
  /** Operator attributes announced as-is, e.g. {key: 'region', value: 'eu-west'}. */
  attributes: Attribute[]
}

export const defaultHardwareOptions: HardwareOptions = {
  probe: defaultProbeOptions,
  reserved: defaultReservedResources,
  storage: defaultStorageOptions,
  attributes: []
}
