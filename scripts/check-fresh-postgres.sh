#!/usr/bin/env bash
# NEEDS ROOT (debootstrap, chroot, mount). Run by hand on a Debian 12 host; not
# part of the test command.
#
# Checks the branch of scripts/ensure-postgres.sh that installs Debian's
# `postgresql` on a machine that lacks it: debootstraps a minimal bookworm
# chroot, runs the script in it as root (and, in a copy, as a non-root user
# through sudo), and asserts that
#   - initdb, pg_ctl and postgres exist under /usr/lib/postgresql/*/bin,
#   - no "main" cluster was created (/etc/postgresql/*/main absent),
#   - a second run prints "PostgreSQL: ... in ..." and exits 0 without
#     installing (dpkg status unchanged),
#   - under sudo, debconf ran non-interactively,
#   - as `postgres`: initdb, pg_ctl start (Unix socket only), psql
#     "select version()", pg_ctl stop.
# Everything is unmounted and removed on exit, also on failure.
#
# Usage: sudo bash scripts/check-fresh-postgres.sh [CHROOT_DIR]
#   CHROOT_DIR defaults to /tmp/pg-fresh-chroot and must not exist yet.
#   MIRROR (default http://deb.debian.org/debian) picks the Debian mirror;
#   SKIP_SUDO=1 skips the non-root run.
set -euo pipefail

[[ "$(id -u)" == 0 ]] || { echo "check-fresh-postgres: needs root" >&2; exit 1; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
script="$here/ensure-postgres.sh"
root_dir="${1:-/tmp/pg-fresh-chroot}"
user_dir="$root_dir-user"
mirror="${MIRROR:-http://deb.debian.org/debian}"
for d in "$root_dir" "$user_dir"; do
  [[ ! -e "$d" ]] || { echo "check-fresh-postgres: $d exists; remove it first" >&2; exit 1; }
done

log() { printf 'check: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
mounted=()
bootlog="$(mktemp)"

cleanup() {
  local rc=$? c pid i
  set +e
  rm -f "$bootlog"
  for c in "$root_dir" "$user_dir"; do
    [[ -d "$c" ]] || continue
    # Stop anything still running inside the chroot (a postgres left by a failed check).
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$c" ]] && kill "$pid" 2>/dev/null
    done
  done
  sleep 1
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
  done
  for c in "$root_dir" "$user_dir"; do
    [[ -d "$c" ]] || continue
    if grep -q " $c/" /proc/mounts; then
      log "something is still mounted under $c: not removing it"
    else
      rm -rf --one-file-system "$c"
    fi
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_into() { # chroot dir
  local c="$1" m
  cp /etc/resolv.conf "$c/etc/resolv.conf"
  for m in proc sys dev dev/pts; do
    mount --bind "/$m" "$c/$m"
    mounted+=("$c/$m")
  done
}
in_chroot() { # chroot dir, command...
  local c="$1"; shift
  chroot "$c" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" </dev/null
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2

t=$(now)
log "debootstrap --variant=minbase bookworm $root_dir $mirror"
debootstrap --variant=minbase bookworm "$root_dir" "$mirror" >"$bootlog" 2>&1 \
  || { tail -20 "$bootlog" >&2; fail "debootstrap"; }
log "debootstrap took $(secs "$t" "$(now)")s"
[[ ! -e "$root_dir/usr/lib/postgresql" ]] || fail "the fresh chroot already has PostgreSQL"
if [[ -z "${SKIP_SUDO:-}" ]]; then cp -a "$root_dir" "$user_dir"; fi

check_installed() { # chroot dir, log of the first run
  local c="$1" first="$2" b bins status_before second
  grep -q '^setup: installing PostgreSQL' "$first" || fail "first run did not install"
  bins=$(ls -d "$c"/usr/lib/postgresql/*/bin 2>/dev/null) || fail "no /usr/lib/postgresql/*/bin"
  for b in initdb pg_ctl postgres; do
    ls "$c"/usr/lib/postgresql/*/bin/$b >/dev/null 2>&1 || fail "$b missing under $bins"
  done
  log "found: $(cd "$c" && ls usr/lib/postgresql/*/bin/{initdb,pg_ctl,postgres} | tr '\n' ' ')"
  if compgen -G "$c/etc/postgresql/*/main" >/dev/null; then fail "a main cluster was created: $(ls -d "$c"/etc/postgresql/*/main)"; fi
  log "no main cluster: /etc/postgresql has [$(ls "$c/etc/postgresql" 2>/dev/null | tr '\n' ' ')]"
  status_before=$(md5sum <"$c/var/lib/dpkg/status")
  second=$(cd / && eval "$3" 2>&1) || fail "second run exited non-zero: $second"
  [[ "$second" =~ setup:\ PostgreSQL:\ .*\ in\ /usr/lib/postgresql/[0-9]+/bin ]] || fail "second run printed: $second"
  ! grep -q 'installing' <<<"$second" || fail "second run installed again: $second"
  [[ "$(md5sum <"$c/var/lib/dpkg/status")" == "$status_before" ]] || fail "second run changed dpkg status"
  log "second run (exit 0, nothing installed): $second"
}

# --- as root -----------------------------------------------------------------
mount_into "$root_dir"
cp "$script" "$root_dir/root/ensure-postgres.sh"
t=$(now)
in_chroot "$root_dir" bash -c 'cd /root && bash ensure-postgres.sh' >"$root_dir/root/run1.log" 2>&1 \
  || { tail -30 "$root_dir/root/run1.log" >&2; fail "ensure-postgres.sh as root"; }
log "root: install took $(secs "$t" "$(now)")s; $(grep '^setup: PostgreSQL' "$root_dir/root/run1.log")"
check_installed "$root_dir" "$root_dir/root/run1.log" \
  'in_chroot "$root_dir" bash -c "cd /root && bash ensure-postgres.sh"'

log "root: initdb / pg_ctl start / psql / pg_ctl stop as postgres"
out=$(in_chroot "$root_dir" su postgres -s /bin/bash -c '
  set -e
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5 -n -r | head -1)
  rm -rf /tmp/x
  "$bin/initdb" -D /tmp/x --auth-local=trust -U postgres >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
  "$bin/pg_ctl" -D /tmp/x -l /tmp/x.log -w -o "-c listen_addresses='"''"' -c unix_socket_directories=/tmp" start >/dev/null
  trap "\"\$bin/pg_ctl\" -D /tmp/x -w -m fast stop >/dev/null" EXIT
  psql -h /tmp -U postgres -Atc "select version()"
' 2>&1) || fail "postgres smoke test: $out"
[[ "$out" == PostgreSQL\ * ]] || fail "select version() printed: $out"
log "select version(): $out"

# --- as a non-root user through sudo ------------------------------------------
if [[ -z "${SKIP_SUDO:-}" ]]; then
  mount_into "$user_dir"
  in_chroot "$user_dir" bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sudo >/dev/null 2>&1 &&
    useradd -m -s /bin/bash dev && echo "dev ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/dev && chmod 440 /etc/sudoers.d/dev' \
    || fail "installing sudo in $user_dir"
  echo "127.0.1.1 $(hostname)" >>"$user_dir/etc/hosts" # quiets "sudo: unable to resolve host"
  cp "$script" "$user_dir/home/dev/ensure-postgres.sh"
  # Under a pseudo-terminal (script(1)), as an interactive setup would be.
  t=$(now)
  in_chroot "$user_dir" su - dev -c 'script -qec "bash ensure-postgres.sh" /dev/null' >"$user_dir/home/dev/run1.log" 2>&1 \
    || { tail -30 "$user_dir/home/dev/run1.log" >&2; fail "ensure-postgres.sh as dev (sudo)"; }
  log "sudo: install took $(secs "$t" "$(now)")s; $(grep -a '^setup: PostgreSQL' "$user_dir/home/dev/run1.log" | tr -d '\r')"
  if grep -aq 'debconf: unable to initialize frontend\|falling back to frontend' "$user_dir/home/dev/run1.log"; then
    fail "under sudo debconf was not non-interactive: $(grep -a 'frontend' "$user_dir/home/dev/run1.log" | sort -u | tr -d '\r')"
  fi
  log "sudo: debconf stayed non-interactive"
  check_installed "$user_dir" "$user_dir/home/dev/run1.log" \
    'in_chroot "$user_dir" su - dev -c "bash ensure-postgres.sh"'
fi

log "OK: all checks passed"
