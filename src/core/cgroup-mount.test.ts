import { describe, expect, it } from 'vitest';
import { cgroup2MountOf, favorDynmodsCommand, favorsDynamicCgroups } from './cgroup-mount.ts';

// Lines as /proc/self/mountinfo prints them: a hybrid host (v1 controllers, v2 at unified) and a v2-only one.
const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '45 31 0:42 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const UNIFIED =
  '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
const FAVORING =
  '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,favordynmods';

describe('cgroup2MountOf', () => {
  it.each([
    ['a hybrid host', HYBRID, { path: '/sys/fs/cgroup/unified', options: ['rw'] }],
    [
      'a v2-only host with optional fields',
      UNIFIED,
      { path: '/sys/fs/cgroup', options: ['rw', 'nsdelegate', 'memory_recursiveprot'] },
    ],
    ['v1 only', HYBRID.split('\n').slice(0, 2).join('\n'), undefined],
    ['nothing', '', undefined],
  ])('%s', (_name, text, mount) => {
    expect(cgroup2MountOf(text)).toEqual(mount);
  });
});

describe('favorsDynamicCgroups', () => {
  it.each([
    ['without the option', UNIFIED, false],
    ['with favordynmods', FAVORING, true],
  ])('%s', (_name, text, cheap) => {
    const mount = cgroup2MountOf(text);
    expect(mount && favorsDynamicCgroups(mount)).toBe(cheap);
  });

  it('names the remount for the mount found', () => {
    const mount = cgroup2MountOf(HYBRID);
    expect(mount && favorDynmodsCommand(mount)).toBe('mount -o remount,favordynmods /sys/fs/cgroup/unified');
  });
});
