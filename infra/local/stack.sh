#!/usr/bin/env bash
# The local stack without Docker: Kafka (KRaft, jars from Maven Central; PLAINTEXT on
# KAFKA_PORT, SASL_SSL on KAFKA_SASL_SSL_PORT, SSL with client certificates on
# KAFKA_MTLS_PORT), a schema registry, PostgreSQL, Redis and Mosquitto.
#
#   infra/local/stack.sh up             start what is not running yet (twice is harmless)
#   infra/local/stack.sh down           stop what `up` started, and nothing else
#   infra/local/stack.sh status         what runs, and who started it
#   infra/local/stack.sh env            the brokers' settings and the HTTP ingest's URL as shell exports (after up)
#   infra/local/stack.sh broker-sync    (re)start the broker's registry sync (make up, after the migrations)
#   infra/local/stack.sh restart-redis  for fault tests: stop Redis, bring it back as it was
#
# PostgreSQL and Redis are reused when something already answers on their port,
# started when installed but stopped, and installed with apt-get when missing;
# Mosquitto is always the stack's own (ports MQTT_PORT, MQTT_TLS_PORT, MQTT_CERT_PORT),
# with the project's plugin compiled from broker/plugin. Whatever this script starts
# is recorded in .local/started/, which is
# all `down` stops. A Redis found running is the machine's: its configuration is
# kept in .local/found/, so a fault test's restart brings it back as it was (not
# as one of this stack's), and `down` leaves it running. STACK_STATE_DIR moves
# .local (the stack script's own tests).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/infra/local"
state="${STACK_STATE_DIR:-$root/.local}"
started="$state/started"
found="$state/found"

KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
# SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and SSL with client certificates required
KAFKA_SASL_SSL_PORT=${KAFKA_SASL_SSL_PORT:-9094}
KAFKA_MTLS_PORT=${KAFKA_MTLS_PORT:-9095}
KAFKA_HEAP=${KAFKA_HEAP:--Xms256m -Xmx768m}
SCHEMA_REGISTRY_PORT=${SCHEMA_REGISTRY_PORT:-8081}
PGPORT=${PGPORT:-5432}
PGDATABASE=${PGDATABASE:-fleetstream}
PGUSER=${PGUSER:-postgres}
REDIS_PORT=${REDIS_PORT:-6379}
MQTT_PORT=${MQTT_PORT:-1884}
MQTT_TLS_PORT=${MQTT_TLS_PORT:-8884}
MQTT_CERT_PORT=${MQTT_CERT_PORT:-8885}
# the pipeline's http-source (bin/components.ts), which serves the HTTP ingest there
HTTP_SOURCE_PORT=${HTTP_SOURCE_PORT:-8090}
# 1 MiB: a reading is a few hundred bytes; just above the 900 KB the connector dead-letters
# a payload cut to (lib/kafka.ts maxRecordBatchBytes), so that path stays reachable
MQTT_MAX_PACKET_SIZE=${MQTT_MAX_PACKET_SIZE:-1048576}
BROKER_AUTH_SYNC_OPS_PORT=${BROKER_AUTH_SYNC_OPS_PORT:-9106}
WAIT_SECONDS=${WAIT_SECONDS:-90}

say() { printf '%s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who holds a port, for error messages ("pid 123 (java)"), or "an unknown process".
port_holder() {
  local line
  line=$(ss -ltnpH "sport = :$1" 2>/dev/null | sed -nE 's/.*users:\(\("([^"]*)",pid=([0-9]+).*/\1 (pid \2)/p' | head -1)
  printf '%s' "${line:-an unknown process}"
}

# wait_for NAME SECONDS COMMAND...: poll COMMAND until it succeeds or the deadline passes.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
  say "  $name is up"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

mark_started() { mkdir -p "$started"; printf '%s\n' "$2" > "$started/$1"; }

apt_install() {
  command -v apt-get >/dev/null || fail "$1 is not installed and there is no apt-get here: install $1 by hand, then run make up again"
  say "  installing $1 with apt-get"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get could not install $*; install it by hand, then run make up again"
}

# ---------------------------------------------------------------- local CA
# One CA, made once, signs the server certificates of Mosquitto and Kafka (and the devices'
# client certificates, broker/client-certificate.ts). It lives with the broker's files,
# where the stacks made before Kafka had TLS keep it.
ca_dir="$state/mosquitto/tls"

local_ca() {
  [ -f "$ca_dir/ca.key" ] && return
  say "  making a local CA (once) in $ca_dir"
  mkdir -p "$ca_dir"
  (
    umask 077
    cd "$ca_dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fleetstream local CA" \
      -keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    chmod 644 ca.crt
  ) || fail "openssl could not make the local CA in $ca_dir"
}

# server_certificate DIR: a key and a certificate for 127.0.0.1 and localhost from the local CA, made once.
server_certificate() {
  local dir=$1
  [ -f "$dir/server.crt" ] && return
  local_ca
  say "  making a server certificate (once) in $dir"
  mkdir -p "$dir"
  (
    umask 077
    cd "$dir"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA "$ca_dir/ca.crt" -CAkey "$ca_dir/ca.key" -CAcreateserial -CAserial "$ca_dir/ca.srl" \
      -days 3650 -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext
    chmod 644 server.crt
  ) || fail "openssl could not make a server certificate in $dir"
}

# ---------------------------------------------------------------- Kafka (KRaft)
kafka_dir="$state/kafka"

kafka_fetch_jars() {
  local stamp="$kafka_dir/libs/.pom.sha"
  local want; want=$(sha1sum "$here/kafka/pom.xml" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  command -v java >/dev/null || fail "Kafka needs a JDK 17 or newer: install one (apt-get install openjdk-17-jre-headless), then run make up again"
  command -v mvn >/dev/null || fail "the Kafka jars come from Maven Central through Maven: install it (apt-get install maven), then run make up again"
  say "  downloading Kafka's jars from Maven Central (once)"
  rm -rf "$kafka_dir/libs"
  mvn -q -B -Dstyle.color=never -s "${MAVEN_SETTINGS:-$here/maven-settings.xml}" -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$kafka_dir/libs" \
    || fail "Maven could not fetch Kafka's jars (see the output above)"
  printf '%s\n' "$want" > "$stamp"
}

# The SASL_SSL listener's account, generated once (URL-safe, as the other passwords).
kafka_credentials="$kafka_dir/credentials.env"
kafka_credentials_file() {
  [ -f "$kafka_credentials" ] && return
  mkdir -p "$kafka_dir"
  printf 'KAFKA_SASL_SSL_USERNAME=fleetstream\nKAFKA_SASL_SSL_PASSWORD=%s\n' "$(openssl rand -base64 24 | tr '+/' '-_')" \
    | (umask 077; cat > "$kafka_credentials.new") && mv "$kafka_credentials.new" "$kafka_credentials"
}

# Which password the data directory's SCRAM credentials were made for (kafka_scram_account).
kafka_credentials_sha() { sha1sum "$kafka_credentials" | cut -d' ' -f1; }

# The broker's certificate from the local CA, with its key in one PEM file (Kafka's PEM key store).
kafka_tls_files() {
  server_certificate "$kafka_dir/tls"
  [ -f "$kafka_dir/tls/server.pem" ] && return
  (umask 077; cat "$kafka_dir/tls/server.key" "$kafka_dir/tls/server.crt" > "$kafka_dir/tls/server.pem.new") \
    && mv "$kafka_dir/tls/server.pem.new" "$kafka_dir/tls/server.pem"
}

# The broker's configuration, rendered from infra/local/kafka/server.properties into $1
# (mode 600: it holds the PLAIN password).
kafka_config() {
  # shellcheck disable=SC1090
  source "$kafka_credentials"
  (umask 077; sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@KAFKA_CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      -e "s#@KAFKA_SASL_SSL_PORT@#$KAFKA_SASL_SSL_PORT#g" -e "s#@KAFKA_MTLS_PORT@#$KAFKA_MTLS_PORT#g" \
      -e "s#@TLS_DIR@#$kafka_dir/tls#g" -e "s#@CA_FILE@#$ca_dir/ca.crt#g" \
      -e "s#@SASL_USERNAME@#$KAFKA_SASL_SSL_USERNAME#g" -e "s#@SASL_PASSWORD@#$KAFKA_SASL_SSL_PASSWORD#g" \
      -e "s#@DATA_DIR@#$kafka_dir/data#g" "$here/kafka/server.properties" > "$1")
}

kafka_up() {
  local pidfile="$kafka_dir/kafka.pid" port
  kafka_credentials_file
  kafka_tls_files
  mkdir -p "$kafka_dir/data" "$kafka_dir/logs"
  kafka_config "$kafka_dir/server.properties.new"
  if pid_alive "$pidfile"; then
    if cmp -s "$kafka_dir/server.properties.new" "$kafka_dir/server.properties"; then
      rm -f "$kafka_dir/server.properties.new"
      say "  kafka already running (pid $(cat "$pidfile"))"; return
    fi
    # a stack started before a change of its configuration (the SASL_SSL and SSL listeners)
    say "  kafka runs with an older configuration than infra/local/kafka/server.properties: restarting it"
    stop_recorded kafka
  fi
  for port in "$KAFKA_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_MTLS_PORT"; do
    port_open "$port" && fail "port $port (Kafka) is held by $(port_holder "$port"), which this stack did not start; stop it, or set KAFKA_PORT, KAFKA_SASL_SSL_PORT and KAFKA_MTLS_PORT to free ports"
  done
  kafka_fetch_jars
  mv "$kafka_dir/server.properties.new" "$kafka_dir/server.properties"
  sed -e "s#@LOG_DIR@#$kafka_dir/logs#g" "$here/kafka/log4j2.properties" > "$kafka_dir/log4j2.properties"
  local java_opts=(-cp "$kafka_dir/libs/*" "-Dlog4j2.configurationFile=$kafka_dir/log4j2.properties")
  if [ ! -f "$kafka_dir/data/meta.properties" ]; then
    local cluster_id; cluster_id=$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null)
    # the SASL_SSL account's SCRAM credentials in the first metadata, so the listener takes it at
    # once (briefly on a command line: the storage tool reads them from nowhere else)
    local scram=() mechanism
    # shellcheck disable=SC1090
    source "$kafka_credentials"
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
      scram+=(--add-scram "$mechanism=[name=$KAFKA_SASL_SSL_USERNAME,iterations=8192,password=$KAFKA_SASL_SSL_PASSWORD]")
    done
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$kafka_dir/server.properties" "${scram[@]}" >/dev/null \
      || fail "formatting Kafka's storage in $kafka_dir/data failed"
    kafka_credentials_sha > "$kafka_dir/scram.sha"
  fi
  : > "$kafka_dir/logs/server.log"
  # shellcheck disable=SC2086
  nohup java $KAFKA_HEAP -XX:+UseG1GC "${java_opts[@]}" kafka.Kafka "$kafka_dir/server.properties" \
    > "$kafka_dir/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  mark_started kafka "pidfile $pidfile"
  say "  kafka starting (pid $!, logs in $kafka_dir/logs)"
}

# The SASL_SSL account's SCRAM credentials in a data directory formatted without them (before
# the listener existed, or before the password changed), stored through the running broker
# (kafka-configs) once for each password. A new data directory has them from its format.
kafka_scram_account() {
  local stamp="$kafka_dir/scram.sha" want
  want=$(kafka_credentials_sha)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  # shellcheck disable=SC1090
  source "$kafka_credentials"
  local config="$kafka_dir/scram.properties" mechanism
  # one mechanism a request (Kafka refuses to alter a user's credentials twice in one); in a file,
  # not on the command line (a process listing shows that), without the brackets of
  # --add-config, which the file form takes literally; its errors quote the password
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    (umask 077; printf '%s=iterations=8192,password=%s\n' "$mechanism" "$KAFKA_SASL_SSL_PASSWORD" > "$config")
    java -cp "$kafka_dir/libs/*" "-Dlog4j2.configurationFile=$kafka_dir/log4j2.properties" kafka.admin.ConfigCommand \
      --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users --entity-name "$KAFKA_SASL_SSL_USERNAME" --add-config-file "$config" >/dev/null 2>&1 \
      || { rm -f "$config"; fail "kafka-configs (kafka.admin.ConfigCommand) could not add the $mechanism account $KAFKA_SASL_SSL_USERNAME to the Kafka on port $KAFKA_PORT"; }
  done
  rm -f "$config"
  printf '%s\n' "$want" > "$stamp"
  say "  kafka: SCRAM account $KAFKA_SASL_SSL_USERNAME on the SASL_SSL listener (password in $kafka_credentials)"
}

# The secured listeners, their account and the local CA that signed their certificates, as
# shell exports (`make env`). Not under the options' names (KAFKA_SASL_USERNAME, KAFKA_CA_FILE,
# ...): every component would read those and try SASL or TLS on KAFKA_BROKERS.
kafka_env() {
  [ -f "$kafka_credentials" ] || return 0
  # shellcheck disable=SC1090
  source "$kafka_credentials"
  printf 'export KAFKA_SASL_SSL_BROKERS=127.0.0.1:%s\nexport KAFKA_MTLS_BROKERS=127.0.0.1:%s\n' "$KAFKA_SASL_SSL_PORT" "$KAFKA_MTLS_PORT"
  printf 'export KAFKA_SASL_SSL_USERNAME=%s\nexport KAFKA_SASL_SSL_PASSWORD=%s\n' "$KAFKA_SASL_SSL_USERNAME" "$KAFKA_SASL_SSL_PASSWORD"
  printf 'export LOCAL_CA_FILE=%s\nexport LOCAL_CA_KEY_FILE=%s\n' "$ca_dir/ca.crt" "$ca_dir/ca.key"
}

kafka_ready() { grep -q 'Kafka Server started' "$kafka_dir/logs/server.log" && port_open "$KAFKA_PORT"; }

kafka_wait() {
  wait_for kafka "$WAIT_SECONDS" kafka_ready && return
  tail -n 20 "$kafka_dir/logs/server.log" "$kafka_dir/logs/stdout.log" >&2 || true
  fail "Kafka did not come up within ${WAIT_SECONDS}s (log tail above; full logs in $kafka_dir/logs)"
}

# ---------------------------------------------------------------- schema registry
# Apicurio Registry, built from Maven Central's jars into a Quarkus app (infra/local/apicurio),
# storing its schemas in PostgreSQL; it speaks the Confluent REST API under /apis/ccompat/v7.
registry_dir="$state/registry"
registry_app="$here/apicurio/target/quarkus-app/quarkus-run.jar"
REGISTRY_DATABASE=${REGISTRY_DATABASE:-fleetstream_registry}

registry_build() {
  local stamp="$here/apicurio/target/.build.sha"
  local want; want=$(cat "$here/apicurio/pom.xml" "$here/apicurio/src/main/resources/application.properties" | sha1sum | cut -d' ' -f1)
  if [ -f "$registry_app" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  say "  building the schema registry (Apicurio) from Maven Central's jars (once, about a minute)"
  mvn -q -B -Dstyle.color=never -s "${MAVEN_SETTINGS:-$here/maven-settings.xml}" -f "$here/apicurio/pom.xml" package \
    > "$state/registry-build.log" 2>&1 || { tail -n 30 "$state/registry-build.log" >&2; fail "building Apicurio Registry failed (log: $state/registry-build.log)"; }
  printf '%s\n' "$want" > "$stamp"
}

registry_up() {
  local pidfile="$registry_dir/registry.pid"
  if pid_alive "$pidfile"; then say "  schema registry already running (pid $(cat "$pidfile"))"; return; fi
  if port_open "$SCHEMA_REGISTRY_PORT"; then
    fail "port $SCHEMA_REGISTRY_PORT (schema registry) is held by $(port_holder "$SCHEMA_REGISTRY_PORT"), which this stack did not start; stop it, or set SCHEMA_REGISTRY_PORT to a free port"
  fi
  registry_build
  ensure_database "$REGISTRY_DATABASE"
  mkdir -p "$registry_dir"
  HTTP_PORT=$SCHEMA_REGISTRY_PORT \
  REGISTRY_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PGPORT/$REGISTRY_DATABASE" \
  REGISTRY_DATASOURCE_USERNAME=$PGUSER REGISTRY_DATASOURCE_PASSWORD=${PGPASSWORD:-postgres} \
    nohup java -Xms32m -Xmx256m -XX:+UseSerialGC -jar "$registry_app" > "$registry_dir/registry.log" 2>&1 &
  echo $! > "$pidfile"
  mark_started registry "pidfile $pidfile"
  say "  schema registry starting (pid $!, log in $registry_dir/registry.log)"
}

registry_ready() { curl -fsS "http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7/subjects" >/dev/null; }

registry_wait() {
  wait_for "schema registry" "$WAIT_SECONDS" registry_ready && return
  tail -n 20 "$registry_dir/registry.log" >&2 || true
  fail "the schema registry did not come up within ${WAIT_SECONDS}s (log tail above)"
}

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PGPORT"; }

postgres_up() {
  if ! command -v pg_isready >/dev/null; then apt_install postgresql postgresql postgresql-client; fi
  if pg_ready; then
    say "  postgresql already running on $PGPORT (reused)"
  else
    port_open "$PGPORT" && fail "port $PGPORT is held by $(port_holder "$PGPORT"), which does not answer as PostgreSQL; stop it, or set PGPORT"
    command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql
    local version; version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$version" ] || apt_install postgresql postgresql
    version=$(ls /etc/postgresql | sort -n | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || fail "could not start PostgreSQL $version (pg_ctlcluster $version main start)"
    mark_started postgresql "cluster $version"
    wait_for postgresql "$WAIT_SECONDS" pg_ready || fail "PostgreSQL did not answer on port $PGPORT within ${WAIT_SECONDS}s"
  fi
  local psql=(psql -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER" -d postgres -qtA)
  "${psql[@]}" -c 'select 1' >/dev/null 2>&1 \
    || fail "cannot log in to PostgreSQL on 127.0.0.1:$PGPORT as '$PGUSER' (set PGUSER, or allow it in pg_hba.conf)"
  ensure_database "$PGDATABASE"
}

ensure_database() {
  local psql=(psql -h 127.0.0.1 -p "$PGPORT" -U "$PGUSER" -d postgres -qtA)
  if [ -z "$("${psql[@]}" -c "select 1 from pg_database where datname = '$1'")" ]; then
    "${psql[@]}" -c "create database \"$1\"" >/dev/null && say "  created database $1"
  fi
}

# ---------------------------------------------------------------- Redis
redis_dir="$state/redis"
redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_ready() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }
redis_stopped() { ! port_open "$REDIS_PORT"; }

# The machine's Redis, found running: its whole configuration (CONFIG GET *) as a
# config file, from which restart-redis and down bring it back as it was. Values
# are quoted (Redis splits the multi-word ones, such as save and bind, itself);
# daemonize last, so the restart detaches whatever ran it before. Mode 600: it
# holds requirepass, if set.
redis_remember() {
  local config
  config=$(redis_cli config get '*' | paste -d '\t' - - \
    | awk -F '\t' '$2 != "" || $1 == "save" { v = $2; gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v); printf "%s \"%s\"\n", $1, v }') \
    || fail "could not read the configuration of the Redis on port $REDIS_PORT"
  mkdir -p "$found"
  (umask 077; printf '%s\ndaemonize "yes"\n' "$config" > "$found/redis.conf")
}

redis_restore_found() {
  redis-server "$found/redis.conf" >/dev/null || fail "could not start the machine's Redis again (redis-server $found/redis.conf)"
  wait_for redis "$WAIT_SECONDS" redis_ready || fail "the machine's Redis did not answer on port $REDIS_PORT after its restart"
  say "  redis: the machine's, back as it was found"
}

redis_up() {
  command -v redis-server >/dev/null || apt_install redis-server redis-server
  if redis_ready; then
    [ -f "$started/redis" ] || redis_remember
    say "  redis already running on $REDIS_PORT (reused)"; return
  fi
  port_open "$REDIS_PORT" && fail "port $REDIS_PORT is held by $(port_holder "$REDIS_PORT"), which does not answer as Redis; stop it, or set REDIS_PORT"
  if [ -f "$found/redis.conf" ]; then redis_restore_found; return; fi
  mkdir -p "$redis_dir"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" >/dev/null
  mark_started redis "pidfile $redis_dir/redis.pid"
  wait_for redis "$WAIT_SECONDS" redis_ready || fail "Redis did not answer on port $REDIS_PORT (log: $redis_dir/redis.log)"
}

# ---------------------------------------------------------------- Mosquitto
# The stack's own broker (the machine's, on 1883, is never touched), with the project's
# plugin (broker/plugin: passwords from an auth file of $7$ hashes, rights by rule, the
# file followed within a second), TLS on MQTT_TLS_PORT, client certificates as
# credentials on MQTT_CERT_PORT. On first start it generates a local CA, the server
# certificate and the service accounts' passwords into .local/mosquitto (keys and
# passwords mode 600); `stack.sh env` prints how to reach it.
mosquitto_dir="$state/mosquitto"
mosquitto_tls="$mosquitto_dir/tls"
mosquitto_credentials="$mosquitto_dir/credentials.env"
# the service accounts' "<username>:<$7$ hash>" lines; the auth file starts as a copy (made
# only when it is missing), and broker-auth-sync (make demo) rewrites it with them and the
# registry's devices
mosquitto_service_accounts="$mosquitto_dir/service-accounts"
mosquitto_auth_file="$mosquitto_dir/auth"
mosquitto_rules_file="$mosquitto_dir/access.rules"
mosquitto_plugin_dir="$state/broker-plugin"

# The plugin, compiled when missing or older than its source (make's rule), with
# Mosquitto's plugin headers and OpenSSL's from Debian when they are missing.
mosquitto_plugin() {
  command -v make >/dev/null && command -v cc >/dev/null || apt_install gcc gcc make libc6-dev
  [ -f /usr/include/mosquitto_plugin.h ] && [ -f /usr/include/mosquitto.h ] || apt_install mosquitto-dev mosquitto-dev libmosquitto-dev
  [ -f /usr/include/openssl/evp.h ] || apt_install libssl-dev libssl-dev
  make -s -C "$root/broker/plugin" BUILD_DIR="$mosquitto_plugin_dir" >&2 \
    || fail "building the broker plugin failed (make -C broker/plugin BUILD_DIR=$mosquitto_plugin_dir, output above)"
  printf '%s' "$mosquitto_plugin_dir/fleetstream_auth.so"
}

mosquitto_tls_files() { server_certificate "$mosquitto_tls"; }

# The accounts' passwords, generated once (URL-safe: MQTT_URL carries one).
mosquitto_password() { openssl rand -base64 24 | tr '+/' '-_'; }

mosquitto_credentials_file() {
  if [ ! -f "$mosquitto_credentials" ]; then
    (
      printf 'MQTT_USERNAME=fleetstream-mqtt-source\nMQTT_PASSWORD=%s\n' "$(mosquitto_password)"
      printf 'MQTT_DEV_USERNAME=fleetstream-dev\nMQTT_DEV_PASSWORD=%s\n' "$(mosquitto_password)"
    ) | (umask 077; cat > "$mosquitto_credentials.new") && mv "$mosquitto_credentials.new" "$mosquitto_credentials"
  fi
  # the downlink's account came later: a state made before it gets one, the others kept
  if ! grep -q '^DOWNLINK_MQTT_USERNAME=' "$mosquitto_credentials"; then
    (cat "$mosquitto_credentials"; printf 'DOWNLINK_MQTT_USERNAME=fleetstream-mqtt-downlink\nDOWNLINK_MQTT_PASSWORD=%s\n' "$(mosquitto_password)") \
      | (umask 077; cat > "$mosquitto_credentials.new") && mv "$mosquitto_credentials.new" "$mosquitto_credentials"
  fi
  # and the MQTT republisher's (it publishes under fleet-out/)
  if ! grep -q '^REPUBLISHER_MQTT_USERNAME=' "$mosquitto_credentials"; then
    (cat "$mosquitto_credentials"; printf 'REPUBLISHER_MQTT_USERNAME=fleetstream-mqtt-republisher\nREPUBLISHER_MQTT_PASSWORD=%s\n' "$(mosquitto_password)") \
      | (umask 077; cat > "$mosquitto_credentials.new") && mv "$mosquitto_credentials.new" "$mosquitto_credentials"
  fi
  # and the handler workers' (mqtt_publish, inside each tenant's space)
  if ! grep -q '^HANDLERS_MQTT_USERNAME=' "$mosquitto_credentials"; then
    (cat "$mosquitto_credentials"; printf 'HANDLERS_MQTT_USERNAME=fleetstream-handlers\nHANDLERS_MQTT_PASSWORD=%s\n' "$(mosquitto_password)") \
      | (umask 077; cat > "$mosquitto_credentials.new") && mv "$mosquitto_credentials.new" "$mosquitto_credentials"
  fi
}

# Hashes an account into a service accounts file unless it is there already.
mosquitto_account() { grep -q "^$2:" "$1" || mosquitto_passwd -b "$1" "$2" "$3"; }

# The platform's accounts, each hashed once: the connector's (its shared subscription to the
# uplinks), the downlink's (it publishes the platform's subtopics), the republisher's, the handler
# workers' (mqtt_publish), and fleetstream-dev, every
# right on every topic, for the clients that do not provision devices yet (MQTT_URL carries it).
# Their rights: infra/local/broker-access.rules.
mosquitto_accounts() {
  local draft="$mosquitto_service_accounts.new"
  rm -f "$draft"
  # shellcheck disable=SC1090
  (source "$mosquitto_credentials" && umask 077 \
    && if [ -f "$mosquitto_service_accounts" ]; then cp "$mosquitto_service_accounts" "$draft"; else : > "$draft"; fi \
    && mosquitto_account "$draft" "$MQTT_USERNAME" "$MQTT_PASSWORD" \
    && mosquitto_account "$draft" "$MQTT_DEV_USERNAME" "$MQTT_DEV_PASSWORD" \
    && mosquitto_account "$draft" "$DOWNLINK_MQTT_USERNAME" "$DOWNLINK_MQTT_PASSWORD" \
    && mosquitto_account "$draft" "$REPUBLISHER_MQTT_USERNAME" "$REPUBLISHER_MQTT_PASSWORD" \
    && mosquitto_account "$draft" "$HANDLERS_MQTT_USERNAME" "$HANDLERS_MQTT_PASSWORD") \
    || fail "mosquitto_passwd could not hash the service accounts' passwords into $draft"
  if [ -f "$mosquitto_service_accounts" ] && cmp -s "$draft" "$mosquitto_service_accounts"; then
    rm -f "$draft"
  else
    mv "$draft" "$mosquitto_service_accounts"
    say "  mosquitto: made the service accounts $(cut -d: -f1 "$mosquitto_service_accounts" | paste -sd' ') (passwords in $mosquitto_credentials)"
  fi
  # renamed into place: the plugin never reads half a file
  if [ ! -f "$mosquitto_auth_file" ]; then
    (umask 077; cp "$mosquitto_service_accounts" "$mosquitto_auth_file.new") && mv "$mosquitto_auth_file.new" "$mosquitto_auth_file"
  fi
  cp "$here/broker-access.rules" "$mosquitto_rules_file.new" && mv "$mosquitto_rules_file.new" "$mosquitto_rules_file"
}

mosquitto_up() {
  command -v mosquitto >/dev/null && command -v mosquitto_passwd >/dev/null || apt_install mosquitto mosquitto
  local pidfile="$mosquitto_dir/mosquitto.pid" port
  mkdir -p "$mosquitto_dir"
  mosquitto_credentials_file
  mosquitto_accounts
  if pid_alive "$pidfile"; then say "  mosquitto already running (pid $(cat "$pidfile"))"; return; fi
  for port in "$MQTT_PORT" "$MQTT_TLS_PORT" "$MQTT_CERT_PORT"; do
    port_open "$port" && fail "port $port (Mosquitto) is held by $(port_holder "$port"), which this stack did not start; stop it, or set MQTT_PORT, MQTT_TLS_PORT and MQTT_CERT_PORT to free ports"
  done
  local plugin; plugin=$(mosquitto_plugin)
  mosquitto_tls_files
  sed -e "s#@MQTT_PORT@#$MQTT_PORT#g" -e "s#@MQTT_TLS_PORT@#$MQTT_TLS_PORT#g" -e "s#@MQTT_CERT_PORT@#$MQTT_CERT_PORT#g" \
      -e "s#@MQTT_MAX_PACKET_SIZE@#$MQTT_MAX_PACKET_SIZE#g" -e "s#@PLUGIN@#$plugin#g" -e "s#@TLS@#$mosquitto_tls#g" \
      -e "s#@AUTH_FILE@#$mosquitto_auth_file#g" -e "s#@RULES_FILE@#$mosquitto_rules_file#g" \
      -e "s#@DIR@#$mosquitto_dir#g" -e "s#@USER@#$(id -un)#g" "$here/mosquitto.conf" > "$mosquitto_dir/mosquitto.conf"
  mosquitto -d -c "$mosquitto_dir/mosquitto.conf" || fail "mosquitto did not start (log: $mosquitto_dir/mosquitto.log)"
  mark_started mosquitto "pidfile $pidfile"
  wait_for mosquitto "$WAIT_SECONDS" port_open "$MQTT_PORT" || fail "Mosquitto did not listen on port $MQTT_PORT (log: $mosquitto_dir/mosquitto.log)"
}

# The broker follows the registry: broker-auth-sync (bin/components.ts; the broker's sidecar in
# Kubernetes) writes the registry's devices into the auth file after the service accounts, and
# the plugin loads it within a second. It needs the registry's tables and the build, so `make up`
# starts it after the migrations; every `up` restarts it, so it runs the current build.
broker_sync_up() {
  local pidfile="$mosquitto_dir/broker-auth-sync.pid" log="$mosquitto_dir/broker-auth-sync.log" cli="$root/dist/bin/fleetstream.js"
  [ -f "$cli" ] || fail "$cli is missing: build first (make up builds)"
  [ -f "$started/broker-auth-sync" ] && stop_recorded broker-auth-sync
  port_open "$BROKER_AUTH_SYNC_OPS_PORT" && fail "port $BROKER_AUTH_SYNC_OPS_PORT (broker-auth-sync's ops port) is held by $(port_holder "$BROKER_AUTH_SYNC_OPS_PORT"); stop it, or set BROKER_AUTH_SYNC_OPS_PORT"
  (
    export DATABASE_URL="${DATABASE_URL:-postgres://$PGUSER@127.0.0.1:$PGPORT/$PGDATABASE}"
    export BROKER_AUTH_SYNC_AUTH_FILE="$mosquitto_auth_file" BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE="$mosquitto_service_accounts" OPS_PORT="$BROKER_AUTH_SYNC_OPS_PORT"
    # it owns the rules file too: the service accounts' rules, then each MQTT republish reader's
    export BROKER_AUTH_SYNC_RULES_FILE="$mosquitto_rules_file" BROKER_AUTH_SYNC_SERVICE_RULES_FILE="$here/broker-access.rules"
    nohup node "$cli" broker-auth-sync >> "$log" 2>&1 &
    echo $! > "$pidfile"
  )
  mark_started broker-auth-sync "pidfile $pidfile"
  wait_for broker-auth-sync "$WAIT_SECONDS" curl -fsS "http://127.0.0.1:$BROKER_AUTH_SYNC_OPS_PORT/readyz" || fail "broker-auth-sync did not get ready (log: $log)"
}

# The broker's settings as shell exports (`make env`); MQTT_URL carries fleetstream-dev
# for the clients that take no credentials of their own yet, unless set already.
# DOWNLINK_MQTT_* and REPUBLISHER_MQTT_* are the downlink's and the MQTT republisher's accounts,
# which the pipeline hands them as MQTT_USERNAME and MQTT_PASSWORD (infra/local/pipeline.ts);
# HANDLERS_MQTT_* the handler workers', under the names they read.
# MQTT_AUTH_FILE and MQTT_SERVICE_ACCOUNTS_FILE are for what writes the devices into the auth file.
mosquitto_env() {
  [ -f "$mosquitto_credentials" ] || return 0
  # shellcheck disable=SC1090
  source "$mosquitto_credentials"
  local name
  printf 'export MQTT_URL=%s\n' "${MQTT_URL:-mqtt://$MQTT_DEV_USERNAME:$MQTT_DEV_PASSWORD@127.0.0.1:$MQTT_PORT}"
  for name in MQTT_USERNAME MQTT_PASSWORD DOWNLINK_MQTT_USERNAME DOWNLINK_MQTT_PASSWORD REPUBLISHER_MQTT_USERNAME REPUBLISHER_MQTT_PASSWORD HANDLERS_MQTT_USERNAME HANDLERS_MQTT_PASSWORD; do printf 'export %s=%s\n' "$name" "${!name}"; done
  printf 'export MQTT_TLS_URL=mqtts://127.0.0.1:%s\nexport MQTT_CERT_URL=mqtts://127.0.0.1:%s\n' "$MQTT_TLS_PORT" "$MQTT_CERT_PORT"
  printf 'export MQTT_CA_FILE=%s\nexport MQTT_CA_KEY_FILE=%s\n' "$mosquitto_tls/ca.crt" "$mosquitto_tls/ca.key"
  printf 'export MQTT_AUTH_FILE=%s\nexport MQTT_SERVICE_ACCOUNTS_FILE=%s\n' "$mosquitto_auth_file" "$mosquitto_service_accounts"
}

# Where devices POST readings: the http-source the pipeline (make demo) starts.
ingest_env() {
  printf 'export HTTP_INGEST_URL=http://127.0.0.1:%s/v1/ingest\n' "$HTTP_SOURCE_PORT"
}

# ---------------------------------------------------------------- commands
stop_recorded() {
  local name=$1 how; how=$(cat "$started/$name")
  case "$how" in
    pidfile\ *)
      local pidfile=${how#pidfile }
      if pid_alive "$pidfile"; then
        local pid; pid=$(cat "$pidfile")
        kill "$pid"
        local deadline=$((SECONDS + 30))
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      fi ;;
    cluster\ *) pg_ctlcluster --skip-systemctl-redirect "${how#cluster }" main stop ;;
  esac
  rm -f "$started/$name"
  say "  stopped $name"
}

up() {
  say "fleetstream local stack: starting"
  postgres_up
  redis_up
  mosquitto_up
  kafka_up
  registry_up
  kafka_wait
  kafka_scram_account
  registry_wait
  say "ready: kafka 127.0.0.1:$KAFKA_PORT (sasl_ssl $KAFKA_SASL_SSL_PORT, client certificates $KAFKA_MTLS_PORT), schema registry http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7, postgresql 127.0.0.1:$PGPORT/$PGDATABASE, redis 127.0.0.1:$REDIS_PORT, mqtt 127.0.0.1:$MQTT_PORT (tls $MQTT_TLS_PORT, client certificates $MQTT_CERT_PORT)"
}

down() {
  say "fleetstream local stack: stopping what it started"
  local name any=0 record
  # the pipeline's components (make demo, the benchmarks) before the servers they use
  for record in "$started"/component-*; do
    [ -f "$record" ] || continue
    stop_recorded "$(basename "$record")"; any=1
  done
  # the registry before PostgreSQL, which it stores its schemas in; the broker's sync before both
  for name in broker-auth-sync registry kafka mosquitto redis postgresql; do
    [ -f "$started/$name" ] && { stop_recorded "$name"; any=1; }
  done
  [ $any = 1 ] || say "  nothing to stop"
  # the machine's Redis stays; if a fault test left it stopped, it comes back as it was found
  if [ -f "$found/redis.conf" ]; then
    redis_ready || redis_restore_found
    rm -f "$found/redis.conf"
  fi
}

status() {
  local name
  for name in kafka registry postgresql redis mosquitto broker-auth-sync; do
    if [ -f "$started/$name" ]; then say "  $name: started by make up ($(cat "$started/$name"))"
    elif [ -f "$found/$name.conf" ]; then say "  $name: the machine's, found running by make up (configuration in $found/$name.conf)"
    else say "  $name: not started by make up"; fi
  done
}

# stop-kafka: for fault tests, which stop the broker and bring it back with `up`
stop_kafka() {
  [ -f "$started/kafka" ] || fail "Kafka was not started by make up; the fault tests stop and start only the local stack's Kafka"
  stop_recorded kafka
}

# restart-redis: for fault tests. Redis comes back the way it was found: this
# stack's as its own, the machine's from its configuration and still the machine's.
restart_redis() {
  redis_ready || fail "Redis does not answer on port $REDIS_PORT"
  [ -f "$started/redis" ] || redis_remember
  # a SHUTDOWN that worked closes the connection without a reply
  redis_cli shutdown >/dev/null 2>&1 || true
  wait_for "redis stopped" "$WAIT_SECONDS" redis_stopped || fail "Redis on port $REDIS_PORT did not stop (SHUTDOWN)"
  redis_up
}

# sourced (the stack script's tests call its functions): define them, run nothing
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) mosquitto_env; kafka_env; ingest_env ;;
  broker-sync) broker_sync_up ;;
  stop-kafka) stop_kafka ;;
  restart-redis) restart_redis ;;
  *) say "usage: $0 up|down|status|env|broker-sync|stop-kafka|restart-redis"; exit 2 ;;
esac
