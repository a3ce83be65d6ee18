#!/usr/bin/env bash
# podman-ci.sh: a throwaway, rootful Podman with a Docker-compatible API socket, for CI.
#
# Credit: adapted from the project's tested recipe shared/containers/podman-ci.sh (whose README
# explains every setting); distributed with skymesh under the project's Apache-2.0 licence.
# Changes here: PODMAN_CI_NO_INSTALL (tests and benchmarks never run apt-get); the service runs
# from the work dir (conmon drops an `oom` file into its working directory after a memory-limit
# kill); the help text points at docs/workload.md. test/helpers/podman.ts and scripts/bench-executor.ts drive it.
#
# Made for Debian 12 as root, without systemd as PID 1, on hybrid cgroups (v1 controllers plus a
# cgroup2 mount), without CAP_SYS_RESOURCE and without any reachable container registry.
# docs/workload.md ("Podman on hosts like the CI VM") explains every setting.
#
# Usage:
#   podman-ci.sh [start] [WORKDIR]   install if needed, configure, build localhost/tiny:1, start the API
#                                    service; print `export` lines on stdout (also in WORKDIR/env.sh)
#   podman-ci.sh stop [WORKDIR]      stop the service by its pid and remove everything start created
#                                    (WORKDIR defaults to $PODMAN_CI_DIR)
#
# WORKDIR must be absent or empty; the default is a fresh `mktemp -d`. Use a new one for every run:
# podman state there survives reboots. Progress goes to stderr; stdout carries only the export
# lines, so `ENV=$(podman-ci.sh) && eval "$ENV"` works.
#
# Environment (optional):
#   PODMAN_CI_STORAGE_DRIVER  overlay (default) or vfs (slower, full copy per container)
#   PODMAN_CI_LOCAL_REGISTRY  a registry host:port to allow over plain HTTP (default 127.0.0.1:5000,
#                             empty for none)
#   PODMAN_CI_NO_INSTALL      1: fail instead of running apt-get when a package is missing
set -euo pipefail

log() { printf 'podman-ci: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
ts() { date +%s.%N; }
el() { awk -v a="$1" -v b="$(ts)" 'BEGIN { printf "%.2fs", b - a }'; }

MARKER=.podman-ci            # only a dir holding this file is ever deleted by `stop`
ENGINE_PROCS='^(conmon|podman|slirp4netns|runc|catatonit)$'   # what podman spawns for a work dir

# Processes spawned for work dir $1 (conmon, exec conmons, slirp4netns, cleanup calls): their
# command lines name paths inside it. Matching on the command name too keeps callers whose own
# command line mentions the work dir (a CI shell, this script) out of the list.
engine_pids() {
  local p comm args
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    read -r comm 2>/dev/null < "/proc/$p/comm" || continue      # builtins only: this runs in a loop
    [[ $comm =~ $ENGINE_PROCS ]] || continue
    mapfile -d '' -t args 2>/dev/null < "/proc/$p/cmdline" || continue
    case " ${args[*]} " in *"$1/"*) echo "$p" ;; esac
  done
}

use_config() {
  export CONTAINERS_CONF=$1/cfg/containers.conf
  export CONTAINERS_STORAGE_CONF=$1/cfg/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$1/cfg/registries.conf
}

# Paths outside the work dir that podman, runc, slirp4netns or the image copy code may create.
# `start` records which existed; `stop` removes only those that did not (and only when empty).
OUTSIDE="/run/runc /run/netns /run/mount /run/containers /run/libpod /var/lib/containers"

record_host() {
  local p
  {
    echo "ip_forward=$(sysctl -n net.ipv4.ip_forward)"
    for p in $OUTSIDE /sys/fs/cgroup/*/libpod_parent; do
      [ -e "$p" ] && echo "existed $p"
      mountpoint -q "$p" 2>/dev/null && echo "mounted $p"
    done
    ip -o link | awk -F': ' '{ print "link " $2 }'
  } > "$1/host-before"
}

# ---------------------------------------------------------------------------------------------
do_stop() {
  local R=$1 quiet=${2:-} pid changed=0
  [ -f "$R/$MARKER" ] || die "$R was not set up by podman-ci.sh (no $MARKER); refusing to touch it"
  use_config "$R"

  # 1. The API service, by the pid that start recorded (checked, so a recycled pid is left alone).
  if [ -f "$R/service.pid" ]; then
    pid=$(cat "$R/service.pid")
    if tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF "unix://$R/podman.sock"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { log "service $pid ignored SIGTERM, sending SIGKILL"; kill -KILL "$pid" || true; }
    fi
  fi

  # 2. Containers. conmon keeps them running without the service, so remove them explicitly.
  podman rm -a -f -t 0 >/dev/null 2>&1 || true

  # 3. An exec's conmon outlives the exec by exit_command_delay (5 s) and ignores SIGTERM. All its
  #    state is about to be deleted, so after a short grace it gets SIGKILL, by pid.
  for _ in $(seq 10); do [ -z "$(engine_pids "$R")" ] && break; sleep 0.05; done
  for pid in $(engine_pids "$R"); do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 20); do [ -z "$(engine_pids "$R")" ] && break; sleep 0.05; done

  # 4. Storage. Never run `system reset` while a service uses this config (the service is gone now):
  #    it deletes the `alive` file and the service then "refreshes" every container state.
  podman system reset -f >/dev/null 2>&1 || true

  # 5. Anything still mounted under the work dir (the overlay dir, container shm), deepest first.
  #    rm -rf must never run across a mount point.
  awk -v r="$R/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
  if awk -v r="$R/" 'index($5, r) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
    die "mounts remain under $R; not deleting it"
  fi

  # 6. What podman left outside the work dir, only where start found nothing. rmdir only removes
  #    empty dirs and idle cgroups, so a concurrent podman keeps what it uses.
  if [ -f "$R/host-before" ]; then
    local before=$R/host-before c
    for c in /sys/fs/cgroup/*/libpod_parent; do
      if [ -d "$c" ] && ! grep -qxF "existed $c" "$before"; then
        find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
      fi
    done
    # slirp4netns containers make podman bind-mount /run/netns onto itself.
    if ! grep -qxF "mounted /run/netns" "$before" && mountpoint -q /run/netns &&
       [ -z "$(ls -A /run/netns)" ]; then
      umount /run/netns || true
    fi
    for c in /run/runc /run/netns /run/mount /run/containers /run/libpod; do
      grep -qxF "existed $c" "$before" || rmdir "$c" 2>/dev/null || true
    done
    # The image copy code (import, pull, push) always writes its blob cache here (64-128 KB).
    if ! grep -qxF "existed /var/lib/containers" "$before"; then
      rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
      rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null || true
    fi

    # 7. Check the host. Only a bridge network changes these, and the CNI guard forbids bridges.
    local fwd_before links_before links_now
    fwd_before=$(sed -n 's/^ip_forward=//p' "$before")
    if [ "$(sysctl -n net.ipv4.ip_forward)" != "$fwd_before" ]; then
      log "WARNING: net.ipv4.ip_forward changed from $fwd_before"; changed=1
    fi
    links_before=$(sed -n 's/^link //p' "$before" | sort)
    links_now=$(ip -o link | awk -F': ' '{ print $2 }' | sort)
    if [ "$links_before" != "$links_now" ]; then
      log "WARNING: network interfaces changed: $(comm -13 <(echo "$links_before") <(echo "$links_now") | tr '\n' ' ')"
      changed=1
    fi
    if command -v iptables-save >/dev/null && iptables-save 2>/dev/null | grep -q NETAVARK; then
      log "WARNING: NETAVARK iptables chains present"; changed=1
    fi
  fi

  rm -rf "$R"
  [ -n "$quiet" ] || log "stopped; removed $R$([ $changed = 0 ] && echo '; host unchanged')"
  return $changed
}

# ---------------------------------------------------------------------------------------------
on_start_failure() {
  local rc=$?
  trap - EXIT
  log "start failed (exit $rc), cleaning up"
  do_stop "$R" quiet || true
  exit "$rc"
}

do_start() {
  R=${1:-}                   # global: the EXIT trap below needs it after this function is gone
  local t0 t need=() pkg
  t0=$(ts)
  [ "$(id -u)" = 0 ] || die "run as root (rootful podman, apt-get)"

  # Work dir: fresh, absolute (the configs hold absolute paths), on a filesystem with d_type.
  if [ -z "$R" ]; then
    R=$(mktemp -d "${TMPDIR:-/tmp}/podman-ci.XXXXXX")
  else
    mkdir -p "$R"
    [ -z "$(ls -A "$R")" ] || die "$R is not empty; use a fresh work dir for every run"
  fi
  R=$(cd "$R" && pwd -P)
  touch "$R/$MARKER"
  # Undo everything if any later step fails.
  trap on_start_failure EXIT
  local SOCK=$R/podman.sock
  [ ${#SOCK} -lt 100 ] || die "socket path $SOCK is too long for a unix socket (limit 107 bytes)"

  # (a) Install, from the Debian archive only. Keep Recommends: slirp4netns and catatonit (needed
  #     for HostConfig.Init) are podman Recommends. No service gets started (no systemd); login
  #     and passwd get upgraded.
  t=$(ts)
  for pkg in podman runc busybox-static curl; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ] && [ "${PODMAN_CI_NO_INSTALL:-}" = 1 ]; then
    die "missing packages: ${need[*]} (apt-get install -y ${need[*]})"
  fi
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } > "$R/apt.log" 2>&1 ||
      { tail -n 20 "$R/apt.log" >&2; die "apt-get failed"; }
    log "install: $(el "$t")"
  fi
  log "$(podman --version), $(runc --version | head -n 1)"

  record_host "$R"

  # Configuration: all state under $R, nothing in /etc/containers or /var/lib/containers.
  # The CONTAINERS_* variables must reach both the CLI and the service.
  mkdir -p "$R"/{cfg,storage,run,tmp,networks,no-cni-plugins}
  # No CAP_SYS_RESOURCE: a container cannot get a hard limit above this shell's, so podman's root default
  # (1048576) fails. Use this shell's hard limits, capped at 65536 / 4096.
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=65536; [ "$nofile" -gt 65536 ] && nofile=65536
  nproc=$(ulimit -Hu);  [ "$nproc" = unlimited ] && nproc=4096;    [ "$nproc" -gt 4096 ] && nproc=4096

  cat > "$R/cfg/storage.conf" <<EOF
[storage]
# native overlay works on ext4; "vfs" also works (slower, full copy per container)
driver = "${PODMAN_CI_STORAGE_DRIVER:-overlay}"
graphroot = "$R/storage"
runroot = "$R/run"
EOF
  cat > "$R/cfg/containers.conf" <<EOF
[containers]
# CLI default only; the Docker-compatible API ignores it and defaults to bridge.
netns = "host"
# Raising a hard limit needs CAP_SYS_RESOURCE, which is dropped here, so podman's root default
# fails with "setrlimit RLIMIT_NOFILE: Operation not permitted". soft == hard because podman
# 4.3.1's compat API swaps soft and hard ("error setting rlimit type 7: invalid argument").
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# crun 1.8.1: "cgroups in hybrid mode not supported, drop all controllers from cgroupv2".
runtime = "runc"
# systemd is not PID 1 ("systemd not running on this host").
cgroup_manager = "cgroupfs"
events_logger = "file"
# Default 300: every API exec leaves a conmon (which ignores SIGTERM) alive for 5 minutes.
exit_command_delay = 5
# Must be private to this storage: a shared tmp_dir lets one reset corrupt another service.
tmp_dir = "$R/tmp"

[network]
# Guard: the compat API defaults NetworkMode to bridge, and netavark would then create a bridge
# on 10.88.0.0/16, set net.ipv4.ip_forward=1 and add iptables NAT chains. With the CNI backend
# and an EMPTY plugin dir a bridge container fails ('failed to find plugin "bridge"') and the
# host stays untouched; host, none and slirp4netns keep working.
network_backend = "cni"
cni_plugin_dirs = ["$R/no-cni-plugins"]
network_config_dir = "$R/networks"
EOF
  {
    echo '# Fully qualified names only: "nginx" fails at once instead of trying registries.'
    echo 'unqualified-search-registries = []'
    echo 'short-name-mode = "disabled"'
    local reg=${PODMAN_CI_LOCAL_REGISTRY-127.0.0.1:5000}
    if [ -n "$reg" ]; then
      echo '# A registry run by the tests themselves, over plain HTTP.'
      printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$reg"
    fi
  } > "$R/cfg/registries.conf"
  use_config "$R"

  # (b) A 2 MB image built offline from busybox-static: sh, httpd, nc, wget, dd and the rest.
  t=$(ts)
  local rootfs=$R/rootfs a
  mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp,www,root}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for a in $("$rootfs/bin/busybox" --list); do
    [ -e "$rootfs/bin/$a" ] || ln -s busybox "$rootfs/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  echo '<h1>hello from tiny</h1>' > "$rootfs/www/index.html"
  tar -C "$rootfs" -c . |
    podman import -q --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - localhost/tiny:1 >/dev/null
  rm -rf "$rootfs"
  log "image localhost/tiny:1 built in $(el "$t")"
  # Fails here, with podman's own message, if the runtime settings do not suit this host.
  t=$(ts)
  [ "$(podman run --rm localhost/tiny:1 echo ok)" = ok ] || die "podman run smoke test failed"
  log "podman run --rm: $(el "$t")"

  # (c) The API service (Docker Engine API v1.41) on a unix socket in the work dir. --time=0: no
  #     idle exit. Its output goes to a file so that $(podman-ci.sh) does not wait on it.
  #     Started from the work dir: conmon writes an empty `oom` file into its working directory
  #     when a container hits its memory limit, and that must not land in the caller's checkout.
  (cd "$R" && exec podman system service --time=0 "unix://$SOCK" < /dev/null > "$R/service.log" 2>&1) &
  echo $! > "$R/service.pid"
  t=$(ts)
  for a in $(seq 200); do
    curl -sf --unix-socket "$SOCK" http://d/_ping > /dev/null 2>&1 && break
    kill -0 "$(cat "$R/service.pid")" 2>/dev/null || { cat "$R/service.log" >&2; die "service exited"; }
    sleep 0.05
  done
  curl -sf --unix-socket "$SOCK" http://d/_ping > /dev/null || die "service not ready after 10 s"
  # The first real API call initialises the runtime lazily (300-430 ms); pay for it here.
  curl -sf --unix-socket "$SOCK" http://d/v1.41/containers/json > /dev/null
  log "service pid $(cat "$R/service.pid") ready in $(el "$t"); total $(el "$t0")"

  {
    printf 'export PODMAN_CI_DIR=%q\n' "$R"
    printf 'export PODMAN_SOCK=%q\n' "$SOCK"
    printf 'export DOCKER_HOST=%q\n' "unix://$SOCK"
    printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF"
    printf 'export CONTAINERS_STORAGE_CONF=%q\n' "$CONTAINERS_STORAGE_CONF"
    printf 'export CONTAINERS_REGISTRIES_CONF=%q\n' "$CONTAINERS_REGISTRIES_CONF"
  } > "$R/env.sh"
  trap - EXIT
  cat "$R/env.sh"
}

case "${1:-}" in
  stop)
    R=${2:-${PODMAN_CI_DIR:-}}
    [ -n "$R" ] || die "usage: podman-ci.sh stop WORKDIR (or set PODMAN_CI_DIR)"
    # Idempotent, so that both an explicit stop and an EXIT trap may call it.
    [ -d "$R" ] || { log "$R does not exist; nothing to stop"; exit 0; }
    do_stop "$(cd "$R" && pwd -P)"
    ;;
  start) do_start "${2:-}" ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) do_start "${1:-}" ;;
esac
