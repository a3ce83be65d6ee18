/**
 * What a probe reports. Sizes in bytes, CPU in millicores, times in ms, so everything can be
 * signed and gossiped as integers later.
 */

/** Akash's GPU interface values (provider FilterGPUInterface: lower case, sxm* → sxm). */
export type GpuInterface = 'pcie' | 'sxm'

/** Where a GPU record came from. */
export type GpuSource = 'nvidia-smi' | 'rocm-smi' | 'amd-smi' | 'lspci'

/** How the Akash name was obtained: the provider-configs PCI table, the marketing name, or not at all. */
export type GpuNamedBy = 'pci-table' | 'marketing-name' | 'none'

export interface GpuDevice {
  /** Index as the vendor tool reports it (nvidia-smi index, rocm-smi card number), else order found. */
  index: number
  /** Akash vendor name: 'nvidia', 'amd', or the PCI vendor id when unknown. */
  vendor: string
  /** PCI vendor id, 4 lower-case hex digits, e.g. '10de'. */
  vendorId: string
  /** PCI device id, 4 lower-case hex digits, e.g. '2330'. */
  deviceId: string
  /** 'vendor:device', the form lspci -nn prints, e.g. '10de:2330'. */
  pciId: string
  /** PCI bus address, domain:bus:device.function, lower case, e.g. '0000:18:00.0'. */
  bus?: string
  uuid?: string
  /** The name the vendor tool printed, e.g. 'NVIDIA H100 80GB HBM3'. */
  marketingName: string
  /** Akash model, e.g. 'h100'. Absent when the GPU could not be named (then it is not offered). */
  model?: string
  /** Akash ram, e.g. '80Gi'. */
  ram?: string
  interface?: GpuInterface
  namedBy: GpuNamedBy
  /** True when the GPU is named and its driver answered: only usable GPUs are offered. */
  usable: boolean
  source: GpuSource
  driverVersion?: string
  memoryTotalBytes?: number
  memoryUsedBytes?: number
  memoryFreeBytes?: number
  utilizationPercent?: number
  memoryUtilizationPercent?: number
  temperatureC?: number
  powerDrawW?: number
  powerLimitW?: number
}

export type HardwareWarningCode =
  | 'NVIDIA_SMI_NOT_FOUND'
  | 'NVIDIA_SMI_TIMEOUT'
  | 'NVIDIA_DRIVER_MISMATCH'
  | 'NVIDIA_DRIVER_NOT_LOADED'
  | 'NVIDIA_NVML_NOT_FOUND'
  | 'NVIDIA_NO_DEVICES'
  | 'NVIDIA_PERMISSION_DENIED'
  | 'NVIDIA_GPU_LOST'
  | 'NVIDIA_SMI_FAILED'
  | 'NVIDIA_SMI_UNPARSEABLE'
  | 'NVIDIA_FIELDS_UNSUPPORTED'
  | 'GPU_WITHOUT_DRIVER'
  | 'AMD_TOOL_FAILED'
  | 'AMD_TOOL_TIMEOUT'
  | 'AMD_TOOL_UNPARSEABLE'
  | 'LSPCI_FAILED'
  | 'GPU_UNKNOWN_PCI_ID'
  | 'GPU_UNNAMED'
  | 'GPU_INTERFACE_GUESSED'
  | 'GPU_INTERFACE_UNKNOWN'
  | 'GPU_RAM_MISMATCH'
  | 'STORAGE_CLASS_GUESSED'
  | 'STORAGE_NONE'
  | 'HOST_PROBE_FAILED'
  | 'CPU_ARCH_UNKNOWN'
  | 'HOLD_EXCEEDS_CAPACITY'

/**
 * A problem a provider can act on. Repeated problems (8 GPUs with the same unknown id) are one
 * warning with a count and the bus addresses, not eight.
 */
export interface HardwareWarning {
  code: HardwareWarningCode
  message: string
  /** How many devices this applies to (1 for host-level warnings). */
  count: number
  details: Record<string, string | number | string[]>
}

/** Akash storage classes: beta1 = hdd, beta2 = ssd, beta3 = nvme. */
export type StorageClass = 'beta1' | 'beta2' | 'beta3'
export type StorageMedia = 'hdd' | 'ssd' | 'nvme' | 'unknown'

export interface StorageMount {
  mount: string
  /** e.g. '/dev/nvme0n1p2' */
  device: string
  fsType: string
  sizeBytes: number
  usedBytes: number
  availableBytes: number
  media: StorageMedia
  class: StorageClass
  /** True when the media was inferred, not read from the device (overlay roots, unknown devices). */
  classGuessed: boolean
}

export interface CpuInfo {
  vendor: string
  model: string
  /** Go/Kubernetes architecture name, as Akash attributes use it: amd64, arm64, … */
  architecture: string
  /** Logical CPUs this process may use (= nproc). */
  cores: number
  /** Logical CPUs of the host (hardware threads). */
  threads: number
  physicalCores: number
  /** cores x 1000: one logical CPU is 1000 millicores, as in Kubernetes and Akash. */
  millicores: number
}

export interface MemoryInfo {
  /** MemTotal */
  totalBytes: number
  /** MemAvailable at probe time (informational; capacity uses totalBytes). */
  availableBytes: number
}

export interface OsInfo {
  platform: string
  distro: string
  release: string
  kernel: string
  hostname: string
}

export type ToolState = 'ok' | 'missing' | 'failed' | 'timeout' | 'skipped'

export interface ToolReport {
  tool: string
  state: ToolState
  path?: string
  durationMs?: number
}

export interface ProbeResult {
  /** ms since epoch when the probe started */
  probedAt: number
  durationMs: number
  cpu: CpuInfo
  memory: MemoryInfo
  storage: StorageMount[]
  gpus: GpuDevice[]
  os: OsInfo
  tools: ToolReport[]
  warnings: HardwareWarning[]
}
