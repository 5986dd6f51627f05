#!/usr/bin/env bash
# Removes the NutGiao service that scripts/install.sh installed (docs/install.md):
#
#   sudo scripts/uninstall.sh [--purge] [--prefix DIR] [--dry-run]
#
# Stops and disables nutgiao.service, removes the unit, /opt/nutgiao and /usr/local/bin/nutgiao. The
# technician's config (/etc/nutgiao) and the node's state (/var/lib/nutgiao: boot counter, telemetry
# not yet sent) are kept, so a reinstall carries on where this one stopped.
#
# Options:
#   --purge        also remove /etc/nutgiao, /var/lib/nutgiao and the nutgiao user
#   --prefix DIR   uninstall what `install.sh --prefix DIR` staged; systemctl is not run
#   --no-user      with --purge: leave the nutgiao user alone
#   --dry-run      print what would be done, change nothing
#   -h, --help     this text
set -euo pipefail

readonly SERVICE=nutgiao
readonly SERVICE_USER=nutgiao

prefix=/
dry_run=false
purge=false
manage_user=true

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
  echo "uninstall.sh: $*" >&2
  exit 1
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --prefix)
      [ "$#" -ge 2 ] || die "--prefix needs a directory"
      prefix="$2"
      shift 2
      ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --purge) purge=true; shift ;;
    --no-user) manage_user=false; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

[ -n "$prefix" ] || die "--prefix: empty"
prefix="${prefix%/}"
staged=false
[ -z "$prefix" ] || staged=true

run() {
  if "$dry_run"; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

note() {
  echo "uninstall.sh: $*"
}

if ! "$staged" && ! "$dry_run" && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo), or give the --prefix an install was staged under"
fi

if "$staged"; then
  note "staged under $prefix: not running systemctl"
elif systemctl cat "$SERVICE.service" >/dev/null 2>&1; then
  # The node puts the cabinet in flash and sends its death message on this stop.
  run systemctl disable --now "$SERVICE.service"
fi

unit_file="$prefix/etc/systemd/system/$SERVICE.service"
run rm -f "$unit_file"
# Drop-ins made with `systemctl edit nutgiao` are the technician's: removed only with --purge.
if "$purge"; then run rm -rf "$unit_file.d"; fi
"$staged" || run systemctl daemon-reload
run rm -rf "$prefix/opt/$SERVICE" "$prefix/opt/$SERVICE.new" "$prefix/opt/$SERVICE.old"
if [ -L "$prefix/usr/local/bin/$SERVICE" ]; then run rm -f "$prefix/usr/local/bin/$SERVICE"; fi

if "$purge"; then
  run rm -rf "$prefix/etc/$SERVICE" "$prefix/var/lib/$SERVICE"
  if "$manage_user" && getent passwd "$SERVICE_USER" >/dev/null; then
    run userdel "$SERVICE_USER"
    note "purged: config, state and the $SERVICE_USER user removed"
  else
    note "purged: config and state removed"
  fi
else
  note "kept $prefix/etc/$SERVICE (config) and $prefix/var/lib/$SERVICE (state); remove them with --purge"
fi
