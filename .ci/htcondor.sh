#!/usr/bin/env bash
# A real HTCondor (23.x, Debian 13's `condor`) in a Debian 13 chroot: HTCondor needs a newer libc
# than Debian 12 has (see docs/guides/batch-systems.md). Root only; a few minutes and a few hundred
# MB the first time, cached afterwards.
#   .ci/htcondor.sh build [DIR]  debootstrap + condor into DIR/root (skipped when already built)
#   .ci/htcondor.sh start [DIR]  mounts proc, node, this project and DIR/share into the chroot at
#                                their own paths, starts condor_master, waits for the pool
#   .ci/htcondor.sh stop [DIR]   stops that condor_master by its PID file, unmounts what start mounted
#   .ci/htcondor.sh run [DIR]    build, start, `vitest` on test/htcondor, stop (npm run test:htcondor)
# DIR defaults to /var/tmp/p3s-htcondor. Jobs are submitted as the chroot's user `p3s`.
set -euo pipefail
cmd=${1:-}
D=${2:-/var/tmp/p3s-htcondor}
R=$D/root
PROJECT=$(cd "$(dirname "$0")/.." && pwd)
NODE=$(command -v node)
MIRROR=${P3S_DEBIAN_MIRROR:-http://deb.debian.org/debian}

build() {
  [ -f "$R/.p3s-ready" ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  command -v debootstrap >/dev/null || { apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
  local B=$D/root.build
  rm -rf "$B"; mkdir -p "$D"
  echo "== htcondor: debootstrap trixie into $B (a few minutes)"
  # debootstrap's resolver stops on virtual dependencies of condor; apt finishes the job below.
  debootstrap --variant=minbase --include=condor trixie "$B" "$MIRROR" >"$D/debootstrap.log" 2>&1 || true
  mount -t proc proc "$B/proc"
  trap 'umount "$B/proc" 2>/dev/null || true' RETURN
  chroot "$B" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
    apt-get -f install -y -qq && apt-get install -y -qq condor' >"$D/apt.log" 2>&1 ||
    { tail -n 20 "$D/apt.log" >&2; exit 1; }
  chroot "$B" /bin/sh -c 'id p3s >/dev/null 2>&1 || useradd -m -s /bin/sh p3s'
  cat >"$B/etc/condor/config.d/50-p3s.config" <<'CONF'
# One host: central manager, submit and execute. No mount namespaces here: without the two
# MOUNT_ settings every job goes on hold. Negotiation every few seconds for short tests.
use ROLE: CentralManager
use ROLE: Submit
use ROLE: Execute
CONDOR_HOST = 127.0.0.1
NETWORK_INTERFACE = 127.0.0.1
ENABLE_IPV6 = False
MOUNT_UNDER_SCRATCH =
MOUNT_PRIVATE_DEV_SHM = False
NEGOTIATOR_INTERVAL = 5
NEGOTIATOR_MIN_INTERVAL = 1
NEGOTIATOR_CYCLE_DELAY = 1
SCHEDD_INTERVAL = 5
STARTER_UPDATE_INTERVAL = 5
ALLOW_WRITE = 127.0.0.1, $(FULL_HOSTNAME)
ALLOW_READ = *
SEC_DEFAULT_AUTHENTICATION_METHODS = FS
CONF
  touch "$B/.p3s-ready"
  umount "$B/proc"; trap - RETURN
  mv "$B" "$R"
}

start() {
  [ -f "$R/.p3s-ready" ] || { echo "htcondor.sh: not built (run: $0 build $D)" >&2; exit 1; }
  if [ -f "$D/master.pid" ] && kill -0 "$(cat "$D/master.pid")" 2>/dev/null; then
    echo "htcondor.sh: already running (stop it first: $0 stop $D)" >&2; exit 1
  fi
  mkdir -p "$D/share" "$R$PROJECT" "$R$D/share"
  chmod 1777 "$D/share"
  mountpoint -q "$R/proc" || mount -t proc proc "$R/proc"
  touch "$R/usr/local/bin/node"
  mountpoint -q "$R/usr/local/bin/node" || mount --bind "$NODE" "$R/usr/local/bin/node"
  mountpoint -q "$R$PROJECT" || mount --bind -o ro "$PROJECT" "$R$PROJECT"
  mountpoint -q "$R$D/share" || mount --bind "$D/share" "$R$D/share"
  grep -q "$(hostname)" "$R/etc/hosts" 2>/dev/null || echo "127.0.0.1 $(hostname)" >>"$R/etc/hosts"
  # Inside the chroot: its /var/run is a symlink to /run, which from here would be the host's.
  chroot "$R" /bin/sh -c 'for d in /run/condor /run/lock/condor /var/spool/condor /var/lib/condor/execute /var/log/condor; do
    mkdir -p $d && chown condor:condor $d; done'
  chroot "$R" /usr/sbin/condor_master -pidfile /run/condor/master.pid
  for _ in $(seq 50); do [ -s "$R/run/condor/master.pid" ] && break; sleep 0.1; done
  cp "$R/run/condor/master.pid" "$D/master.pid"
  for _ in $(seq 120); do
    if chroot "$R" condor_status -af Name 2>/dev/null | grep -q slot &&
      chroot "$R" runuser -u p3s -- condor_q -totals >/dev/null 2>&1; then
      echo "export P3S_HTCONDOR_ROOT=$R P3S_HTCONDOR_SHARE=$D/share"
      return 0
    fi
    sleep 0.5
  done
  echo "htcondor.sh: the pool did not come up; logs in $R/var/log/condor" >&2
  stop; exit 1
}

stop() {
  if [ -f "$D/master.pid" ]; then
    pid=$(cat "$D/master.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      # The master stops its daemons and jobs first (a minute at most).
      for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    fi
    rm -f "$D/master.pid"
  fi
  for m in "$R$D/share" "$R$PROJECT" "$R/usr/local/bin/node" "$R/proc"; do
    mountpoint -q "$m" 2>/dev/null && umount "$m" || true
  done
}

run() {
  build
  eval "$(start)"
  export P3S_HTCONDOR_ROOT P3S_HTCONDOR_SHARE
  trap stop EXIT
  cd "$PROJECT" && npx vitest run --config vitest.htcondor.config.ts
}

case "$cmd" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  run) run ;;
  *) echo "usage: $0 build|start|stop|run [DIR]" >&2; exit 2 ;;
esac
