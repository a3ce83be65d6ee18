import type { GpuNaming } from './naming.js'
import type { GpuDevice } from './types.js'
import type { WarningCollector } from './warnings.js'

/** One warning per naming problem, folded per PCI id so identical boards give one line. */
export function addNamingWarnings (warnings: WarningCollector, gpu: GpuDevice, naming: GpuNaming): void {
  const at = gpu.bus !== undefined ? { bus: gpu.bus } : {}
  const key = gpu.pciId
  for (const p of naming.problems) {
    switch (p) {
      case 'GPU_UNKNOWN_PCI_ID':
        warnings.add(p, naming.model !== undefined
          ? `PCI id ${gpu.pciId} ('${gpu.marketingName}') is not in the Akash GPU table; named '${gpu.vendor}/${naming.model}' from its marketing name. Ask for it to be added to akash-network/provider-configs so tenants' SDL names match`
          : `PCI id ${gpu.pciId} ('${gpu.marketingName}') is not in the Akash GPU table and its name gives no model; this GPU is not offered`,
        { pciId: gpu.pciId, marketingName: gpu.marketingName }, { key, ...at })
        break
      case 'GPU_UNNAMED':
        warnings.add(p, `GPU ${gpu.pciId} ('${gpu.marketingName}') could not be named the Akash way and is not offered`, { pciId: gpu.pciId }, { key, ...at })
        break
      case 'GPU_INTERFACE_GUESSED':
        warnings.add(p, `interface of ${gpu.pciId} guessed as '${naming.interface ?? ''}' from its name (${naming.interfaceReason ?? 'name'})`, { pciId: gpu.pciId, interface: naming.interface ?? '' }, { key, ...at })
        break
      case 'GPU_INTERFACE_UNKNOWN':
        warnings.add(p, `interface (pcie/sxm) of ${gpu.pciId} ('${gpu.marketingName}') is unknown; it is offered without an interface attribute, so SDL asking for one will not match`, { pciId: gpu.pciId }, { key, ...at })
        break
      case 'GPU_RAM_MISMATCH':
        warnings.add(p, `${gpu.pciId} reports ${gpu.memoryTotalBytes !== undefined ? Math.round(gpu.memoryTotalBytes / 1024 ** 3) : '?'}Gi but the Akash table says ${naming.ram ?? '?'}; the table value is announced`, { pciId: gpu.pciId }, { key, ...at })
        break
    }
  }
}
