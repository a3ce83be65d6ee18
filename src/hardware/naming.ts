import type { GpuTable } from './gpu-table.js'
import { lookupGpu, vendorName } from './gpu-table.js'
import type { GpuInterface, GpuNamedBy } from './types.js'

/** Facts a vendor tool gives about one GPU, before Akash naming. */
export interface GpuFacts {
  vendorId: string
  deviceId: string
  marketingName: string
  memoryTotalBytes?: number
}

export interface GpuNaming {
  vendor: string
  model?: string
  ram?: string
  interface?: GpuInterface
  namedBy: GpuNamedBy
  /** Naming problems, as warning codes the probe turns into provider-facing warnings. */
  problems: Array<'GPU_UNKNOWN_PCI_ID' | 'GPU_UNNAMED' | 'GPU_INTERFACE_GUESSED' | 'GPU_INTERFACE_UNKNOWN' | 'GPU_RAM_MISMATCH'>
  /** When the interface was inferred from the name, why. */
  interfaceReason?: string
}

const GIB = 1024 ** 3

/** Akash writes GPU memory as whole Gi ('80Gi'); boards report a little less than nominal (81559 MiB). */
export function ramFromBytes (bytes: number): string | undefined {
  if (!Number.isFinite(bytes) || bytes <= 0) return undefined
  return `${Math.round(bytes / GIB)}Gi`
}

/** Words that name the vendor or product line, not the model. */
const NOISE = new Set([
  'nvidia', 'geforce', 'tesla', 'quadro', 'amd', 'ati', 'radeon', 'instinct', 'advanced', 'micro',
  'devices', 'inc', 'inc.', 'corporation', 'graphics', 'generation', 'gpu', 'laptop', 'max-q', 'design',
  'accelerator', 'edition'
])

/**
 * Akash-style model from a marketing name, following the provider-configs naming: lower case, no
 * spaces, no vendor or product-line words, no memory size or form factor; SUPER → s, Ti → ti,
 * Ada → ada, NVL kept (h200nvl). 'NVIDIA H100 80GB HBM3' → h100, 'NVIDIA GeForce RTX 4090' →
 * rtx4090, 'NVIDIA RTX A6000' → rtxa6000, 'AMD Instinct MI100' → mi100.
 */
export function modelFromMarketingName (name: string): string | undefined {
  // lspci puts the product in brackets: 'Arcturus GL-XL [Instinct MI100]'; the bracket is the product.
  const bracket = /\[([^\]]+)\][^[]*$/.exec(name)
  // 'Instinct MI250X/MI250' lists variants; the first is the board's own name.
  const source = bracket?.[1] !== undefined && /\d/.test(bracket[1]) ? (bracket[1].split('/')[0] ?? bracket[1]) : name
  const tokens = source
    .replace(/\(.*?\)/g, ' ')
    .split(/[\s\-_/,]+/)
    .map((t) => t.toLowerCase())
    .filter((t) => t !== '')
  const kept: string[] = []
  for (const t of tokens) {
    if (NOISE.has(t)) continue
    if (/^\d+(gb|g|gib)$/.test(t)) continue
    if (/^(pcie|pci|sxm\d*|hbm\d*e?|gddr\d*x?|nvlink)$/.test(t)) continue
    if (t === 'super') { kept.push('s'); continue }
    kept.push(t.replace(/[^a-z0-9]/g, ''))
  }
  const model = kept.join('')
  if (model === '' || !/\d/.test(model) || model.length > 32) return undefined
  return model
}

/**
 * Interface from the marketing name, only where the name says it or the product exists in one
 * form only. Returns the reason so the probe can tell the operator it was a guess.
 */
export function interfaceFromMarketingName (name: string, model: string | undefined): { iface: GpuInterface, reason: string } | undefined {
  const n = name.toLowerCase()
  if (/\bsxm\d*\b/.test(n)) return { iface: 'sxm', reason: 'name contains SXM' }
  if (/\bpcie\b/.test(n)) return { iface: 'pcie', reason: 'name contains PCIe' }
  // H100/H200 NVL are dual-slot PCIe boards.
  if (/\bnvl\b/.test(n)) return { iface: 'pcie', reason: 'NVL boards are PCIe cards' }
  // nvidia-smi calls the H100 SXM5 board 'NVIDIA H100 80GB HBM3'; the PCIe board is 'NVIDIA H100 PCIe'.
  if (model === 'h100' && /\bhbm3\b/.test(n)) return { iface: 'sxm', reason: "'H100 … HBM3' is the SXM5 board's name" }
  if (model === 'h200' && !/\bnvl\b/.test(n)) return { iface: 'sxm', reason: 'H200 without NVL is an SXM5 board' }
  // Consumer and workstation cards only exist as PCIe boards.
  if (/\b(geforce|quadro|radeon)\b/.test(n) || /^(rtx|gtx|gt)\d/.test(model ?? '') || /^rtx[a-z]\d/.test(model ?? '')) {
    return { iface: 'pcie', reason: 'consumer/workstation cards are PCIe only' }
  }
  return undefined
}

/**
 * Name a GPU the Akash way: the provider-configs PCI table first (exactly as the Akash inventory
 * operator does), then the marketing name. Ram comes from the table; the measured memory is a
 * cross-check, and the only source when the table does not know the device.
 */
export function nameGpu (table: GpuTable, facts: GpuFacts): GpuNaming {
  const vendor = vendorName(table, facts.vendorId) ?? facts.vendorId.toLowerCase()
  const measuredRam = facts.memoryTotalBytes !== undefined ? ramFromBytes(facts.memoryTotalBytes) : undefined
  const hit = lookupGpu(table, facts.vendorId, facts.deviceId)
  if (hit !== undefined) {
    const problems: GpuNaming['problems'] = []
    if (measuredRam !== undefined && hit.ram !== undefined && measuredRam !== hit.ram) problems.push('GPU_RAM_MISMATCH')
    return {
      vendor: hit.vendor,
      model: hit.model,
      ...(hit.ram !== undefined ? { ram: hit.ram } : measuredRam !== undefined ? { ram: measuredRam } : {}),
      ...(hit.interface !== undefined ? { interface: hit.interface } : {}),
      namedBy: 'pci-table',
      problems
    }
  }
  const problems: GpuNaming['problems'] = ['GPU_UNKNOWN_PCI_ID']
  const model = modelFromMarketingName(facts.marketingName)
  if (model === undefined) {
    problems.push('GPU_UNNAMED')
    return { vendor, namedBy: 'none', problems }
  }
  const guess = interfaceFromMarketingName(facts.marketingName, model)
  if (guess !== undefined) problems.push('GPU_INTERFACE_GUESSED')
  else problems.push('GPU_INTERFACE_UNKNOWN')
  return {
    vendor,
    model,
    ...(measuredRam !== undefined ? { ram: measuredRam } : {}),
    ...(guess !== undefined ? { interface: guess.iface, interfaceReason: guess.reason } : {}),
    namedBy: 'marketing-name',
    problems
  }
}
