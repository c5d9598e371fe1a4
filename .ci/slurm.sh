#!/usr/bin/env bash
# A real single-node Slurm (controller and worker on 127.0.0.1, munge for auth) for the batch-system
# tests and the benchmark, started without systemd as docs/guides/batch-systems.md describes.
#   .ci/slurm.sh start [DIR]   installs slurm-wlm and munge if missing (root), starts munged,
#                              slurmctld and slurmd, waits for the node to be idle, and prints
#                              `export SLURM_CONF=DIR/slurm.conf` (clients need it)
#   .ci/slurm.sh stop [DIR]    stops exactly those three processes, by the PIDs recorded at start
# DIR defaults to /tmp/p3s-slurm; it holds the configuration, state, spool, logs and PID files.
set -euo pipefail
cmd=${1:-}
D=${2:-/tmp/p3s-slurm}

stop() {
  # Jobs first, while the controller still runs: no pilot or payload outlives the daemons.
  if [ -f "$D/slurmctld.bgpid" ] && kill -0 "$(cat "$D/slurmctld.bgpid")" 2>/dev/null; then
    export SLURM_CONF=$D/slurm.conf
    squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
    for _ in $(seq 100); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
  fi
  # Reverse order: the node daemon, the controller, then munge. Only our own PIDs.
  for name in slurmd slurmctld munged; do
    f="$D/$name.bgpid"
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

start() {
  if [ -f "$D/slurmctld.bgpid" ] && kill -0 "$(cat "$D/slurmctld.bgpid")" 2>/dev/null; then
    echo "slurm.sh: already running from $D (stop it first: .ci/slurm.sh stop $D)" >&2
    exit 1
  fi
  mkdir -p "$D"/{state,spool,log}
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    # The packages' own daemons must not start (we start ours): invoke-rc.d asks policy-rc.d.
    local policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      policy=/usr/sbin/policy-rc.d
    fi
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
    [ -z "$policy" ] || rm -f "$policy"
  fi
  local host
  host=$(hostname -s)
  # Scheduling tuned for short jobs (the defaults run under 1 job/s on a 2-slot node): schedule
  # on every submission and end at once, and start batch jobs without the default delay.
  cat >"$D/slurm.conf" <<CONF
ClusterName=p3sci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,default_queue_depth=1000
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$D/slurm.conf
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile /etc/munge/munge.key >&2
  chown munge:munge /etc/munge/munge.key
  chmod 600 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged --foreground >"$D/log/munged.out" 2>&1 &
  echo $! >"$D/munged.bgpid"
  for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
  slurmctld -D -i >"$D/log/slurmctld.out" 2>&1 &
  echo $! >"$D/slurmctld.bgpid"
  slurmd -D >"$D/log/slurmd.out" 2>&1 &
  echo $! >"$D/slurmd.bgpid"
  for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "export SLURM_CONF=$D/slurm.conf"
      return 0
    fi
    sleep 0.5
  done
  echo "slurm.sh: the node did not become idle; logs in $D/log" >&2
  tail -n 20 "$D"/log/*.log >&2 || true
  stop
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
