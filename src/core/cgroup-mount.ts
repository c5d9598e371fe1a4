// Where cgroup v2 is mounted, read from /proc/self/mountinfo, and whether moving a process into a
// new cgroup is cheap there. Without `favordynmods` (Linux 6.0+) each move waits for an RCU grace
// period (milliseconds), and a pilot moves once per job it starts (docs/performance.md).

/** The process's mounts, where cgroup2MountOf looks. */
export const MOUNTINFO_FILE = '/proc/self/mountinfo';
/** The kernel's cgroup features, where kernelFavorsDynmods looks (missing before Linux 4.15). */
export const CGROUP_FEATURES_FILE = '/sys/kernel/cgroup/features';

export interface Cgroup2Mount {
  /** The mount point, e.g. /sys/fs/cgroup. */
  path: string;
  /** The super options (after the ` - cgroup2 cgroup2 ` part), e.g. rw, nsdelegate, favordynmods. */
  options: string[];
}

/** The first cgroup v2 mount in a /proc/self/mountinfo text, or undefined. */
export function cgroup2MountOf(mountinfo: string): Cgroup2Mount | undefined {
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    const [type, , superOptions] = after?.split(' ') ?? [];
    const path = before?.split(' ')[4];
    if (type === 'cgroup2' && path) return { path, options: superOptions?.split(',') ?? [] };
  }
  return undefined;
}

/** Whether a job start's move into its cgroup is cheap on this mount (no grace period per move). */
export function favorsDynamicCgroups(mount: Cgroup2Mount): boolean {
  return mount.options.includes('favordynmods');
}

/** Whether the kernel knows the option, from /sys/kernel/cgroup/features (Linux 6.0+ lists it). */
export function kernelFavorsDynmods(features: string | undefined): boolean {
  return features?.split('\n').some((line) => line.trim() === 'favordynmods') ?? false;
}

/** The command that makes the moves cheap (as root, Linux 6.0+; for good in /etc/fstab or the boot options). */
export function favorDynmodsCommand(mount: Cgroup2Mount): string {
  return `mount -o remount,favordynmods ${mount.path}`;
}
