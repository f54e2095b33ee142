#!/usr/bin/env bash
# Installs everything weir needs on a fresh Debian machine (idempotent, safe to re-run):
# bun (npm), Debian dev libraries for librdkafka, node_modules (whose postinstall builds librdkafka),
# and the Kafka broker jars from Maven Central. Prints one JSON line per step.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '{"time":"%s","level":"info","module":"bootstrap","msg":"%s"}\n' "$(date -u +%FT%TZ)" "$1"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_pkgs=()
# chromium: the dashboard's browser test (driven by playwright-core; no browser download).
for p in build-essential pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev kcat chromium; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
# A JDK and Maven run the test broker; any already on PATH will do.
command -v java >/dev/null 2>&1 || need_pkgs+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  step "apt-get install ${need_pkgs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! command -v bun >/dev/null 2>&1 || ! bun --version >/dev/null 2>&1; then
  step "installing bun via npm"
  npm i -g --allow-scripts=bun bun >/dev/null 2>&1 || npm i -g bun >/dev/null
  if ! bun --version >/dev/null 2>&1; then node "$(npm root -g)/bun/install.js"; fi
fi
step "bun $(bun --version)"

step "bun install (builds librdkafka from the vendored source when needed)"
npm_config_nodedir="${npm_config_nodedir:-/usr}" bun install --frozen-lockfile 2>&1 | grep -v '^$' | tail -n 20

step "fetching the Kafka broker jars"
bash scripts/kafka/broker.sh fetch
step "bootstrap complete"
