#!/usr/bin/env bash
# A single-node Apache Kafka 4.x broker in KRaft mode on 127.0.0.1, for tests and benches.
# Jars come from Maven Central (pom.xml beside this file) into .cache/kafka, outside git.
#   broker.sh fetch | start | stop | restart | status | logs
# Idempotent: `start` reuses a broker that already answers on the port.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${WEIR_KAFKA_CACHE:-$root/.cache/kafka}"
port="${WEIR_KAFKA_PORT:-9092}"
cport="${WEIR_KAFKA_CONTROLLER_PORT:-9093}"
data="$cache/data-$port"
pidfile="$cache/broker-$port.pid"
logfile="$cache/broker-$port.log"
props="$cache/server-$port.properties"

log() { printf '{"level":"info","module":"broker","msg":"%s","port":%s}\n' "$1" "$port"; }
fail() { printf '{"level":"error","module":"broker","msg":"%s","port":%s}\n' "$1" "$port" >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

fetch() {
  if [ -f "$cache/libs/.complete" ]; then return; fi
  command -v mvn >/dev/null || fail "mvn not found: install maven"
  log "fetching Kafka jars from Maven Central"
  mkdir -p "$cache/libs"
  (cd "$here" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$cache/libs" -DincludeScope=runtime)
  touch "$cache/libs/.complete"
  log "kafka jars ready ($(ls "$cache/libs" | wc -l) jars)"
}

write_props() {
  mkdir -p "$data"
  cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
log.retention.hours=2
log.segment.bytes=268435456
PROPS
}

java_cp() { echo "$cache/libs/*"; }

start() {
  if listening; then log "broker already running; reusing it"; return; fi
  fetch
  write_props
  if [ ! -f "$data/meta.properties" ]; then
    log "formatting KRaft storage"
    java -cp "$(java_cp)" kafka.tools.StorageTool format -t "weir-test-cluster-0000001" -c "$props" --standalone >/dev/null 2>>"$logfile" \
      || java -cp "$(java_cp)" kafka.tools.StorageTool format -t "weir-test-cluster-0000001" -c "$props" >/dev/null 2>>"$logfile" \
      || fail "storage format failed; see $logfile"
  fi
  log "starting broker"
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.level=WARN -Dlog4j.configurationFile="$here/log4j2.properties" \
    -cp "$(java_cp)" kafka.Kafka "$props" >>"$logfile" 2>&1 &
  echo $! > "$pidfile"
  for i in $(seq 1 120); do
    if listening; then log "broker ready after ${i}x0.5s"; return; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || fail "broker exited during start-up; see $logfile"
    sleep 0.5
  done
  fail "broker did not listen within 60s; see $logfile"
}

stop() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    local pid; pid="$(cat "$pidfile")"
    log "stopping broker pid $pid"
    kill "$pid" || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  for _ in $(seq 1 20); do listening || break; sleep 0.5; done
}

case "${1:-start}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if listening; then log "running"; else log "stopped"; exit 1; fi ;;
  logs) tail -n 100 "$logfile" ;;
  reset) stop; rm -rf "$data"; log "data removed" ;;
  *) echo "usage: broker.sh fetch|start|stop|restart|status|logs|reset" >&2; exit 2 ;;
esac
