#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: npm dependencies, nats-server >= 2.10, a running
# Docker Engine, the build, and the locally built test images. Every step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
say() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then $SUDO apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# 1. npm dependencies
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 2. nats-server >= 2.10 (Debian bookworm's 2.9 does not enforce expectations on replicated streams)
nats_ok() { "$1" --version 2>/dev/null | grep -Eq 'v2\.(1[0-9]|[2-9][0-9])\.'; }
NATS_LOCAL="$ROOT/.tools/nats/usr/sbin/nats-server"
if ! { command -v nats-server >/dev/null && nats_ok "$(command -v nats-server)"; } && ! nats_ok "$NATS_LOCAL"; then
  say "fetching nats-server 2.10 from Debian trixie into .tools/nats"
  T=$(mktemp -d)
  mkdir -p "$T/lists/partial" "$T/cache/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" > "$T/sources.list"
  APTOPT=(-o Dir::Etc::SourceList="$T/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$T/lists" -o Dir::Cache="$T/cache" -o APT::Sandbox::User=root)
  apt-get "${APTOPT[@]}" update -qq >/dev/null 2>&1
  (cd "$T" && apt-get "${APTOPT[@]}" download nats-server >/dev/null 2>&1)
  mkdir -p .tools/nats
  dpkg -x "$T"/nats-server_*.deb .tools/nats
  rm -rf "$T"
  nats_ok "$NATS_LOCAL" || { say "nats-server could not be installed"; exit 1; }
fi

# 3. Docker Engine, running
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null; then say "installing docker.io"; apt_install docker.io; fi
  if ! docker info >/dev/null 2>&1; then
    say "starting dockerd"
    mkdir -p .data
    (setsid nohup dockerd >"$ROOT/.data/dockerd.log" 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { say "dockerd did not start; see .data/dockerd.log"; exit 1; }
  fi
fi

# 3b. The overlay data plane's tools (DESIGN §6b): iproute2 (ip/bridge, VXLAN, netns), nftables
# (VIPs, routing mesh), conntrack (flushes when a backend leaves), nsenter (util-linux).
need=()
command -v ip >/dev/null && command -v bridge >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v conntrack >/dev/null || need+=(conntrack)
command -v nsenter >/dev/null || need+=(util-linux)
# The overlay tests probe the MTU from a container's namespace (busybox ping has no -M do).
command -v ping >/dev/null && ping -V 2>/dev/null | grep -q iputils || need+=(iputils-ping)
if [ ${#need[@]} -gt 0 ]; then say "installing ${need[*]}"; apt_install "${need[@]}"; fi

# 4. Build
say "building"
npx tsc -p tsconfig.json

# 5. Test images: a static busybox root file system, imported (no registry is reachable here).
if ! docker image inspect jetswarm-test/busybox:1 >/dev/null 2>&1 || ! docker image inspect jetswarm-test/busybox:2 >/dev/null 2>&1; then
  [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || apt_install busybox-static
  BB=$(command -v busybox)
  for v in 1 2; do
    R=$(mktemp -d)
    mkdir -p "$R/bin" "$R/tmp" "$R/etc"
    cp "$BB" "$R/bin/busybox"
    for app in $("$BB" --list); do [ -e "$R/bin/$app" ] || ln -s busybox "$R/bin/$app"; done
    echo "$v" > "$R/etc/jetswarm-test-version"
    echo "root:x:0:0:root:/:/bin/sh" > "$R/etc/passwd"
    tar -C "$R" -c . | docker import -c 'CMD ["sh"]' -c 'ENV PATH=/bin' - "jetswarm-test/busybox:$v" >/dev/null
    rm -rf "$R"
  done
  say "built test images jetswarm-test/busybox:1 and :2"
fi
