import { describe, expect, it } from 'vitest'
import { classForMedia, parentDiskName, storageMounts } from '../../../src/hardware/storage.js'

const GiB = 1024 ** 3
const fs = (f: string, mount: string, type = 'ext4', size = 100 * GiB): { fs: string, type: string, size: number, used: number, available: number, mount: string } => ({ fs: f, type, size, used: size / 4, available: (size * 3) / 4, mount })

describe('storage class guess', () => {
  it('maps media to Akash classes', () => {
    expect([classForMedia('nvme'), classForMedia('ssd'), classForMedia('hdd'), classForMedia('unknown')]).toEqual(['beta3', 'beta2', 'beta1', 'beta1'])
  })

  it('finds the parent disk of partitions', () => {
    expect(['nvme0n1p2', 'sda3', 'vda', 'xvdb1', 'mmcblk0p1'].map(parentDiskName)).toEqual(['nvme0n1', 'sda', 'vda', 'xvdb', 'mmcblk0'])
  })

  it('classifies nvme, ssd and hdd filesystems, skips pseudo filesystems and duplicates', () => {
    const mounts = storageMounts(
      [fs('/dev/nvme0n1p2', '/'), fs('/dev/sda1', '/data'), fs('/dev/sdb1', '/archive'), fs('tmpfs', '/run', 'tmpfs'), fs('/dev/nvme0n1p2', '/var/lib/docker'), fs('/dev/nvme0n1p1', '/boot/efi', 'vfat')],
      [
        { name: 'nvme0n1', type: 'disk', size: 1e12, physical: 'SSD' },
        { name: 'nvme0n1p2', type: 'part', size: 9e11, physical: '' },
        { name: 'sda', type: 'disk', size: 2e12, physical: 'SSD' },
        { name: 'sda1', type: 'part', size: 2e12, physical: 'SSD' },
        { name: 'sdb', type: 'disk', size: 8e12, physical: 'HDD' },
        { name: 'sdb1', type: 'part', size: 8e12, physical: '' }
      ])
    expect(mounts.map((m) => [m.mount, m.media, m.class, m.classGuessed])).toEqual([
      ['/', 'nvme', 'beta3', false],
      ['/archive', 'hdd', 'beta1', false],
      ['/data', 'ssd', 'beta2', false]
    ])
  })

  it('guesses an overlay root from the largest disk and says so', () => {
    const mounts = storageMounts([fs('overlay', '/', 'overlay')], [{ name: 'sda', type: 'disk', size: 1e12, physical: 'SSD' }, { name: 'zram0', type: 'disk', size: 1e9, physical: 'SSD' }])
    expect(mounts.map((m) => [m.mount, m.class, m.classGuessed])).toEqual([['/', 'beta2', true]])
  })
})
