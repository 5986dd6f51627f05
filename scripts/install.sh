#!/usr/bin/env bash
# Installs NutGiao as a systemd service on Raspberry Pi OS / Debian (docs/install.md):
#
#   sudo scripts/install.sh [OPTIONS] [SOURCE]
#
# SOURCE is a built checkout (after `npm install`, which builds dist/) or a release folder with the same
# layout (an unpacked `npm pack`); default: the checkout this script is in.
#
#   /opt/nutgiao                         the package, owned by root (the node cannot change its own code)
#   /opt/nutgiao/node_modules            production dependencies from `npm ci --omit=dev`, run here, so
#                                        native addons (epoll, node-libgpiod, msgpackr-extract) are
#                                        compiled for this machine's CPU and Node; --copy-node-modules
#                                        copies SOURCE/node_modules instead (only when it was built on the
#                                        same architecture and Node major version, e.g. on this Pi)
#   /etc/nutgiao/config.yaml             copied from the example only if absent: never overwritten
#   /var/lib/nutgiao                     state (boot counter, telemetry outbox), the service user's home
#   /var/lib/nutgiao/releases/current    link to the release the unit runs: /opt/nutgiao after an install,
#                                        slot a or b after a remote update (nutgiao release, update command)
#   /etc/systemd/system/nutgiao.service  from scripts/systemd/nutgiao.service
#   /usr/local/bin/nutgiao               the command, for `nutgiao config check`, `nutgiao sub`
#
# Options:
#   --prefix DIR         install under DIR instead of / (staging, tests); the unit keeps its real paths,
#                        and systemctl is not run
#   --dry-run            print what would be done, change nothing
#   --no-start           install and enable, but do not (re)start the service
#   --no-user            do not create the nutgiao user and groups, do not chown (a user provisioned
#                        otherwise, or a staging run as an unprivileged user)
#   --copy-node-modules  copy SOURCE/node_modules instead of running npm ci --omit=dev
#   -h, --help           this text
set -euo pipefail

readonly SERVICE=nutgiao
readonly SERVICE_USER=nutgiao
readonly DEVICE_GROUPS=(gpio video dialout)
readonly NODE_BIN=/usr/bin/node
readonly NODE_MAJOR_MIN=20

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$script_dir/.." && pwd)"
prefix=/
dry_run=false
start=true
manage_user=true
copy_node_modules=false

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

die() {
  echo "install.sh: $*" >&2
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
    --dry-run) dry_run=true; shift ;;
    --no-start) start=false; shift ;;
    --no-user) manage_user=false; shift ;;
    --copy-node-modules) copy_node_modules=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) source_dir="$(cd "$1" 2>/dev/null && pwd)" || die "SOURCE $1: no such directory"; shift ;;
  esac
done

[ -n "$prefix" ] || die "--prefix: empty"
prefix="${prefix%/}"
staged=false
[ -z "$prefix" ] || staged=true
opt_dir="$prefix/opt/$SERVICE"
etc_dir="$prefix/etc/$SERVICE"
state_dir="$prefix/var/lib/$SERVICE"
unit_file="$prefix/etc/systemd/system/$SERVICE.service"
command_link="$prefix/usr/local/bin/$SERVICE"
unit_template="$script_dir/systemd/$SERVICE.service"

# Every change goes through run, so --dry-run prints exactly the commands a real run executes.
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
  echo "install.sh: $*"
}

check_source() {
  local missing=()
  local item
  for item in package.json bin/nutgiao.js dist/.built edge/config/example.yaml; do
    [ -e "$source_dir/$item" ] || missing+=("$item")
  done
  [ "${#missing[@]}" -eq 0 ] || die "$source_dir is not a built NutGiao checkout or release (missing: ${missing[*]}). Run 'npm install' there first (it builds dist/)."
  local newer="" folder
  for folder in edge sim protocol; do
    [ -d "$source_dir/$folder" ] || continue
    newer="$(find "$source_dir/$folder" -name '*.ts' -newer "$source_dir/dist/.built" -print -quit)"
    [ -z "$newer" ] || break
  done
  [ -z "$newer" ] || die "the build in $source_dir/dist is older than ${newer#"$source_dir"/}: run 'npm run build' there first."
  [ -f "$unit_template" ] || die "unit template $unit_template is missing"
  if "$copy_node_modules"; then
    [ -d "$source_dir/node_modules" ] || die "--copy-node-modules: $source_dir/node_modules does not exist"
  fi
}

check_system() {
  if "$staged"; then return; fi
  [ "$(id -u)" -eq 0 ] || "$dry_run" || die "run as root (sudo), or stage with --prefix DIR"
  [ -x "$NODE_BIN" ] || die "$NODE_BIN not found: install Node.js $NODE_MAJOR_MIN or later (Debian's nodejs is 18: use NodeSource's nodejs 20 package)"
  local major
  major="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge "$NODE_MAJOR_MIN" ] || die "$NODE_BIN is Node $major: NutGiao needs $NODE_MAJOR_MIN or later"
  command -v systemctl >/dev/null 2>&1 || die "systemctl not found: this installer needs systemd"
  command -v systemd-notify >/dev/null 2>&1 || die "systemd-notify not found (it feeds the watchdog): apt-get install systemd"
}

create_user() {
  "$manage_user" || { note "skipping user and group creation (--no-user)"; return; }
  local group
  for group in "${DEVICE_GROUPS[@]}"; do
    # Raspberry Pi OS has all three; plain Debian lacks gpio (then /dev/gpiochip* needs a udev rule
    # giving it to this group: docs/install.md).
    getent group "$group" >/dev/null || run groupadd --system "$group"
  done
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    run useradd --system --user-group --home-dir "/var/lib/$SERVICE" --no-create-home \
      --shell /usr/sbin/nologin --comment "NutGiao intersection node" "$SERVICE_USER"
  fi
}

install_package() {
  local staging="$opt_dir.new"
  # A new tree beside the old one, swapped in at the end, so a failed npm ci leaves the old install.
  run rm -rf "$staging"
  run install -d -m 0755 "$staging"
  local item
  for item in bin dist edge sim protocol README.md package.json package-lock.json; do
    [ -e "$source_dir/$item" ] || continue
    run cp -a "$source_dir/$item" "$staging/"
  done
  # The build is done: npm must not run `prepare` (tsc, a dev dependency) on the cabinet.
  run npm --prefix "$staging" pkg delete scripts.prepare
  if "$copy_node_modules"; then
    run cp -a "$source_dir/node_modules" "$staging/"
  elif [ -e "$source_dir/package-lock.json" ]; then
    run npm --prefix "$staging" ci --omit=dev --no-audit --no-fund
  else
    run npm --prefix "$staging" install --omit=dev --no-audit --no-fund
  fi
  if [ "$(id -u)" -eq 0 ]; then run chown -R root:root "$staging"; fi
  run rm -rf "$opt_dir.old"
  if [ -e "$opt_dir" ]; then run mv "$opt_dir" "$opt_dir.old"; fi
  run mv "$staging" "$opt_dir"
  run rm -rf "$opt_dir.old"
  run install -d -m 0755 "$(dirname "$command_link")"
  run ln -sfn "/opt/$SERVICE/bin/nutgiao.js" "$command_link"
}

install_config() {
  # /etc/nutgiao is group-writable for the service: set-config replaces config.yaml atomically and
  # keeps config.yaml.prev beside it. The config may hold secrets: not world-readable.
  run install -d -m 0770 "$etc_dir"
  if "$manage_user"; then run chown "root:$SERVICE_USER" "$etc_dir"; fi
  if [ -e "$etc_dir/config.yaml" ]; then
    note "keeping the existing $etc_dir/config.yaml"
    config_is_new=false
    return
  fi
  # Prepared beside it and moved in last, so a failure here leaves no half-made config to be kept.
  local draft="$etc_dir/config.yaml.new"
  run install -m 0660 "$source_dir/edge/config/example.yaml" "$draft"
  # Under this unit (Type=notify, WatchdogSec=) the node must talk to systemd, or systemd never sees it
  # start; the example is made for a development machine.
  run sed -i 's/^\(  watchdog: { driver: \)none }$/\1systemd }/' "$draft"
  if ! "$dry_run" && ! grep -q '^  watchdog: { driver: systemd }$' "$draft"; then
    rm -f "$draft"
    die "$source_dir/edge/config/example.yaml: no line '  watchdog: { driver: none }' to set to systemd; fix the example or this script"
  fi
  if "$manage_user"; then run chown "root:$SERVICE_USER" "$draft"; fi
  run mv "$draft" "$etc_dir/config.yaml"
  config_is_new=true
}

install_state() {
  run install -d -m 0750 "$state_dir"
  if "$manage_user"; then run chown "$SERVICE_USER:$SERVICE_USER" "$state_dir"; fi
}

install_releases() {
  # Remote updates (docs/install.md, "Releases and updates") unpack into slots a and b here and switch the
  # unit's ExecStart through `current`. An install is a deliberate choice of version: `current` points at
  # the package just installed, and an update still on trial is forgotten.
  local releases="$state_dir/releases"
  run install -d -m 0750 "$releases"
  if "$manage_user"; then run chown "$SERVICE_USER:$SERVICE_USER" "$releases"; fi
  run rm -f "$releases/trial.json" "$releases/current.new"
  # A new link renamed over the old one, so `current` is never missing, even for a moment.
  run ln -sfn "/opt/$SERVICE" "$releases/current.new"
  run mv -Tf "$releases/current.new" "$releases/current"
}

install_unit() {
  run install -d -m 0755 "$(dirname "$unit_file")"
  run install -m 0644 "$unit_template" "$unit_file"
}

start_service() {
  if "$staged"; then
    note "staged under $prefix: not running systemctl"
    return
  fi
  run systemctl daemon-reload
  if "$config_is_new"; then
    # Not even enabled: the example has no broker, so a reboot would only restart a failing node forever.
    note "new config from the example: edit /etc/$SERVICE/config.yaml (mqtt.broker, hardware.gpio, cameras),"
    note "check it with 'nutgiao config check /etc/$SERVICE/config.yaml', then: systemctl enable --now $SERVICE"
    return
  fi
  run systemctl enable "$SERVICE.service"
  if ! "$start"; then
    note "installed and enabled; not started (--no-start). Start it with: systemctl start $SERVICE"
  elif ! "$dry_run" && ! "$NODE_BIN" "/opt/$SERVICE/bin/nutgiao.js" config check "/etc/$SERVICE/config.yaml"; then
    note "not (re)started: fix /etc/$SERVICE/config.yaml (errors above), then: systemctl restart $SERVICE"
  else
    run systemctl restart "$SERVICE.service"
    note "started; logs: journalctl -u $SERVICE -f"
  fi
}

config_is_new=false
check_source
check_system
"$dry_run" && note "dry run: nothing is changed; these are the commands a real run executes"
create_user
install_package
install_config
install_state
install_releases
install_unit
start_service
"$dry_run" || note "installed $SERVICE from $source_dir under ${prefix:-/}"
