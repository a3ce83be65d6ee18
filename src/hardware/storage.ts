import type { StorageClass, StorageMedia, StorageMount } from './types.js'

/** Akash's storage classes by media (provider docs: beta1 hdd, beta2 ssd, beta3 nvme). */
export function classForMedia (media: StorageMedia): StorageClass {
  switch (media) {
    case 'nvme': return 'beta3'
    case 'ssd': return 'beta2'
    default: return 'beta1'
  }
}

/** The subset of systeminformation's fsSize() entries the probe uses. */
export interface FsEntry {
  fs: string
  type: string
  size: number
  used: number
  available: number
  mount: string
}

/** The subset of systeminformation's blockDevices() entries the probe uses. */
export interface BlockDeviceEntry {
  name: string
  type: string
  size: number
  /** 'SSD' | 'HDD' | 'NVMe' | '' (systeminformation reads /sys/block/x/queue/rotational) */
  physical: string
  protocol?: string
  removable?: boolean
}

/** Filesystems that hold no tenant data. */
const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'squashfs', 'iso9660', 'ramfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'efivarfs', 'nsfs', 'fuse.lxcfs', 'autofs', 'vfat'])
const SYSTEM_MOUNT = /^\/(proc|sys|dev|run|boot|snap)(\/|$)/

export function mediaOf (dev: BlockDeviceEntry): StorageMedia {
  if (/^nvme/i.test(dev.name) || /nvme/i.test(dev.protocol ?? '') || /nvme/i.test(dev.physical)) return 'nvme'
  if (/ssd/i.test(dev.physical)) return 'ssd'
  if (/hdd/i.test(dev.physical)) return 'hdd'
  return 'unknown'
}

/** 'nvme0n1p2' → 'nvme0n1', 'sda3' → 'sda', 'vda' → 'vda', 'mmcblk0p1' → 'mmcblk0'. */
export function parentDiskName (name: string): string {
  const nvme = /^(nvme\d+n\d+)p\d+$/.exec(name) ?? /^(mmcblk\d+)p\d+$/.exec(name)
  if (nvme?.[1] !== undefined) return nvme[1]
  const classic = /^((?:s|v|xv|h)d[a-z]+)\d+$/.exec(name)
  return classic?.[1] ?? name
}

/**
 * Local filesystems with their media and Akash class. The media comes from the block device
 * under the filesystem (partition, else its disk). A filesystem with no block device of its own
 * (overlay root in a container, a network or device-mapper volume) takes the media of the host's
 * largest disk, and says so (classGuessed).
 */
export function storageMounts (fs: FsEntry[], blocks: BlockDeviceEntry[]): StorageMount[] {
  const byName = new Map(blocks.map((b) => [b.name, b]))
  const disks = blocks.filter((b) => b.type === 'disk' && b.size > 0 && b.removable !== true && !/^(zram|loop|ram)/.test(b.name))
  const largest = disks.sort((a, b) => b.size - a.size)[0]
  const seen = new Set<string>()
  const out: StorageMount[] = []
  // Shortest mount first so '/' wins over bind mounts of the same device.
  const entries = [...fs].sort((a, b) => a.mount.length - b.mount.length)
  for (const e of entries) {
    if (PSEUDO_FS.has(e.type) || SYSTEM_MOUNT.test(e.mount)) continue
    if (e.mount !== '/' && !e.fs.startsWith('/dev/')) continue
    if (!(e.size > 0)) continue
    if (seen.has(e.fs)) continue
    seen.add(e.fs)
    const devName = e.fs.startsWith('/dev/') ? e.fs.slice(5).replace(/^mapper\//, '') : ''
    const dev = byName.get(devName) ?? byName.get(parentDiskName(devName))
    let media: StorageMedia = dev !== undefined ? mediaOf(dev) : 'unknown'
    // Partition entries may lack the rotational flag that their disk carries.
    if (media === 'unknown' && dev !== undefined) {
      const parent = byName.get(parentDiskName(devName))
      if (parent !== undefined) media = mediaOf(parent)
    }
    let classGuessed = false
    if (media === 'unknown') {
      classGuessed = true
      media = largest !== undefined ? mediaOf(largest) : 'unknown'
    }
    out.push({
      mount: e.mount,
      device: e.fs,
      fsType: e.type,
      sizeBytes: e.size,
      usedBytes: e.used,
      availableBytes: e.available,
      media,
      class: classForMedia(media),
      classGuessed
    })
  }
  return out.sort((a, b) => a.mount.localeCompare(b.mount))
}
