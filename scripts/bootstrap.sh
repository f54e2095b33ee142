#!/usr/bin/env bash
# Installs everything weir's documented commands need on a fresh Debian machine (idempotent, safe to
# re-run): Debian packages (build libraries for librdkafka, chromium for the browser tests,
# librsvg2-bin for `weir graph --format png`, a JDK and Maven for the test broker), bun, node_modules
# (whose postinstall builds librdkafka), the Kafka broker jars, and — when nothing answers on
# 127.0.0.1:5432 — Debian's PostgreSQL, started, with the `test` database the test suite uses.
# Prints one plain line per step.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf 'bootstrap: %s\n' "$1"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# Nothing below should colour its output: this script's output is read in logs and READMEs too.
export NO_COLOR=1 FORCE_COLOR=0 TERM=dumb
strip_ansi() { sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

pg_answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

need_pkgs=()
for p in build-essential pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev kcat chromium librsvg2-bin; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
# A JDK and Maven run the test broker; any already on PATH will do.
command -v java >/dev/null 2>&1 || need_pkgs+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
install_pg=0
if ! pg_answers && ! dpkg -s postgresql >/dev/null 2>&1; then need_pkgs+=(postgresql); install_pg=1; fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  step "apt-get install ${need_pkgs[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! pg_answers; then
  # Debian's cluster: start it, let the local `postgres` user in from 127.0.0.1 without a password
  # (a development and test machine only), and create the `test` database the suite uses.
  step "starting PostgreSQL on 127.0.0.1:5432"
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$ver" ]; then step "PostgreSQL is installed but has no cluster; create one with pg_createcluster"; exit 1; fi
  hba="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! as_root grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  as_root pg_ctlcluster "$ver" main start 2>/dev/null || as_root service postgresql start
  for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
  pg_answers || { step "PostgreSQL did not start; see /var/log/postgresql"; exit 1; }
  [ "$install_pg" = 1 ] && step "installed Debian's postgresql (postgres@127.0.0.1 trusted locally)"
fi
if command -v psql >/dev/null 2>&1 && ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE test" 2>/dev/null && step "created database test" || step "could not create database test (the tests need postgres://postgres@127.0.0.1:5432/test)"
fi

if ! command -v bun >/dev/null 2>&1 || ! bun --version >/dev/null 2>&1; then
  step "installing bun via npm"
  npm i -g --allow-scripts=bun bun >/dev/null 2>&1 || npm i -g bun >/dev/null
  if ! bun --version >/dev/null 2>&1; then node "$(npm root -g)/bun/install.js"; fi
fi
step "bun $(bun --version)"

step "bun install (builds librdkafka from the vendored source when needed)"
# Bun runs no dependency's install script unless it is trusted (package.json trustedDependencies is
# empty on purpose): weir builds librdkafka itself (scripts/install-librdkafka.ts), so the
# "Blocked N postinstalls" line below is expected and nothing is missing.
npm_config_nodedir="${npm_config_nodedir:-/usr}" bun install --frozen-lockfile --no-progress 2>&1 | strip_ansi | grep -v '^$' | tail -n 20
step "(a \"Blocked N postinstalls\" line from bun, when shown, is intended: weir builds librdkafka itself)"

step "fetching the Kafka broker jars"
bash scripts/kafka/broker.sh fetch 2>&1 | strip_ansi
step "done. Next: bun run start   (or: bun run test)"
