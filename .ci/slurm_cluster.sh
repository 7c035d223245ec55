#!/usr/bin/env bash
# A throw-away one-node SLURM cluster on localhost, for CI and for trying the slurm profiles.
#
#   bash .ci/slurm_cluster.sh start   # install Debian's slurm + munge if needed, start munged, slurmctld, slurmd
#   bash .ci/slurm_cluster.sh stop    # stop exactly the daemons `start` started, remove its state folder
#
# Needs root (it installs packages and links /etc/slurm/slurm.conf) and no systemd: the daemons
# are started by hand and tracked by the pid files they write into the state folder
# (FATENET_SLURM_STATE, default /tmp/fatenet-slurm). The cluster is called fatenet-ci, has one
# node `localhost` (all CPUs, 90% of the memory, one fake GPU) and one partition `ci`.
set -euo pipefail

STATE="${FATENET_SLURM_STATE:-/tmp/fatenet-slurm}"
CLUSTER=fatenet-ci
PARTITION=ci
CONF_DIR=/etc/slurm
LINKED=(slurm.conf gres.conf)
WAIT_SECONDS=60

say() { echo "[slurm_cluster] $*"; }
die() { echo "[slurm_cluster] error: $*" >&2; exit 1; }

need_root() {
    [[ "$(id -u)" == 0 ]] || die "run as root (e.g. sudo bash $0 $1): it installs packages and links $CONF_DIR/slurm.conf"
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sinfo >/dev/null \
        && command -v munged >/dev/null; then
        return
    fi
    say "installing slurmctld slurmd slurm-client munge"
    # keep the packages' init scripts from starting daemons we would not track
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
    fi
    local status=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                slurmctld slurmd slurm-client munge >"$STATE.apt.log" 2>&1
    } || status=$?
    if ((added_policy)); then rm -f "$policy"; fi
    if ((status != 0)); then
        tail -n 30 "$STATE.apt.log" >&2 || true
        die "apt-get install failed (status $status)"
    fi
    rm -f "$STATE.apt.log"
}

# the pid in a pid file, if that process is alive and runs the expected program
live_pid() {
    local file="$1" program="$2" pid
    [[ -s "$file" ]] || return 1
    pid="$(tr -dc '0-9' <"$file")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$program" ]] || return 1
    echo "$pid"
}

write_config() {
    local cpus mem_mb
    cpus="$(nproc)"
    mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))
    cat >"$STATE/slurm.conf" <<EOF
# written by .ci/slurm_cluster.sh; removed by its stop
ClusterName=$CLUSTER
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb Gres=gpu:1 State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=1000
EOF
    # a fake GPU: enough for the scheduler to grant `--gres=gpu:1`
    echo "NodeName=localhost Name=gpu File=/dev/null" >"$STATE/gres.conf"
}

link_config() {
    mkdir -p "$CONF_DIR"
    local name target
    for name in "${LINKED[@]}"; do
        target="$CONF_DIR/$name"
        if [[ -e "$target" || -L "$target" ]] && [[ "$(readlink "$target" || true)" != "$STATE/$name" ]]; then
            die "$target exists and is not ours; refusing to replace a real SLURM configuration"
        fi
        # job steps ignore SLURM_CONF, so the configuration must be at the default path
        ln -sfn "$STATE/$name" "$target"
    done
}

start_munge() {
    local key=/etc/munge/munge.key
    if [[ ! -s "$key" ]]; then
        say "creating $key"
        install -d -o munge -g munge -m 700 /etc/munge
        if command -v mungekey >/dev/null; then
            runuser -u munge -- mungekey --create --keyfile="$key"
        else
            dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
        fi
        chown munge:munge "$key"
        chmod 400 "$key"
    fi
    # munged runs as the munge user; its socket folder must be 755 so root's clients reach it
    install -d -o munge -g munge -m 755 "$STATE/munge"
    runuser -u munge -- munged --key-file="$key" --socket="$STATE/munge/munge.socket.2" \
        --pid-file="$STATE/munge/munged.pid" --log-file="$STATE/munge/munged.log" \
        --seed-file="$STATE/munge/munged.seed"
    live_pid "$STATE/munge/munged.pid" munged >/dev/null || die "munged did not start; see $STATE/munge/munged.log"
}

show_logs() {
    local log
    for log in "$STATE/munge/munged.log" "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log"; do
        [[ -f "$log" ]] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    return 0
}

wait_until_idle() {
    local deadline=$((SECONDS + WAIT_SECONDS)) state=""
    while ((SECONDS < deadline)); do
        state="$(timeout 10 sinfo --noheader --Node --nodes=localhost --format=%t 2>/dev/null || true)"
        if [[ "$state" == idle ]]; then
            return 0
        fi
        live_pid "$STATE/slurmctld.pid" slurmctld >/dev/null || { show_logs; die "slurmctld exited"; }
        live_pid "$STATE/slurmd.pid" slurmd >/dev/null || { show_logs; die "slurmd exited"; }
        sleep 1
    done
    show_logs
    die "node localhost not idle after ${WAIT_SECONDS}s (sinfo state: '${state:-no answer}')"
}

start() {
    need_root start
    if live_pid "$STATE/slurmctld.pid" slurmctld >/dev/null || live_pid "$STATE/slurmd.pid" slurmd >/dev/null \
        || live_pid "$STATE/munge/munged.pid" munged >/dev/null; then
        die "a cluster from $STATE is already running; run '$0 stop' first"
    fi
    rm -rf "$STATE"
    install -d -m 755 "$STATE" "$STATE/ctld" "$STATE/spool" "$STATE/log"
    install_packages
    write_config
    link_config
    start_munge
    slurmctld
    slurmd -N localhost
    wait_until_idle
    say "cluster $CLUSTER up in ${SECONDS}s: partition $PARTITION, node localhost ($(nproc) CPUs, 1 fake GPU); state in $STATE"
}

stop_daemon() {
    local file="$1" program="$2" pid i
    pid="$(live_pid "$file" "$program")" || return 0
    kill -TERM "$pid"
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    say "$program ($pid) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    need_root stop
    if [[ ! -d "$STATE" ]]; then
        say "nothing to stop ($STATE does not exist)"
        return 0
    fi
    # cancel what is still queued or running on this cluster, so no job step outlives it
    if live_pid "$STATE/slurmctld.pid" slurmctld >/dev/null; then
        local jobs
        jobs="$(timeout 10 squeue --noheader --format=%i 2>/dev/null || true)"
        if [[ -n "$jobs" ]]; then
            say "cancelling jobs: $(echo $jobs)"
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs || true
            sleep 2
        fi
    fi
    stop_daemon "$STATE/slurmd.pid" slurmd
    stop_daemon "$STATE/slurmctld.pid" slurmctld
    stop_daemon "$STATE/munge/munged.pid" munged
    local name
    for name in "${LINKED[@]}"; do
        if [[ "$(readlink "$CONF_DIR/$name" || true)" == "$STATE/$name" ]]; then
            rm -f "$CONF_DIR/$name"
        fi
    done
    rm -rf "$STATE"
    say "stopped; removed $STATE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
