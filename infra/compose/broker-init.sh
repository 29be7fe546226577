#!/bin/sh
# compose's broker-init (docker-compose.yml), run once per volume set in the
# broker image as root: what Kubernetes takes from Secrets, made when missing,
# as `make up` makes the local stack's (infra/local/stack.sh):
#   certs     ca.crt, tls.crt, tls.key   the broker's TLS (server names mosquitto, localhost, 127.0.0.1)
#   accounts  service-accounts            the connector's "<username>:<$7$ hash>" line, for broker-auth-sync
#             credentials.env             its username and password (MQTT_USERNAME, MQTT_PASSWORD)
#   ca        ca.key                      signs device certificates for the 8884 listener
# and gives the broker's uid (1000, also the fleetstream image's) the volumes it
# reads and the auth file's. The directories move with BROKER_*_DIR.
set -eu
certs=${BROKER_CERTS_DIR:-/mosquitto/certs}
accounts=${BROKER_ACCOUNTS_DIR:-/etc/fleetstream/broker}
ca=${BROKER_CA_DIR:-/ca}
auth=${BROKER_AUTH_DIR:-/mosquitto/auth}
umask 077

if [ ! -f "$certs/tls.crt" ]; then
  work=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fleetstream compose CA" \
    -keyout "$ca/ca.key" -out "$certs/ca.crt" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=mosquitto -keyout "$certs/tls.key" -out "$work/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:mosquitto,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
  # written under another name, then renamed: a broker never finds half a certificate
  openssl x509 -req -in "$work/server.csr" -CA "$certs/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -CAserial "$ca/ca.srl" \
    -days 3650 -extfile "$work/server.ext" -out "$work/tls.crt" 2>/dev/null
  mv "$work/tls.crt" "$certs/tls.crt"
  rm -rf "$work"
  echo "broker-init: made a CA and the broker's certificate"
fi

if [ ! -f "$accounts/service-accounts" ]; then
  # URL-safe: the connector's MQTT_URL carries it
  password=$(openssl rand -base64 24 | tr '+/' '-_')
  printf 'MQTT_USERNAME=fleetstream-mqtt-source\nMQTT_PASSWORD=%s\n' "$password" > "$accounts/credentials.env"
  rm -f "$accounts/service-accounts.new"
  mosquitto_passwd -c -b "$accounts/service-accounts.new" fleetstream-mqtt-source "$password"
  mv "$accounts/service-accounts.new" "$accounts/service-accounts"
  echo "broker-init: made the account fleetstream-mqtt-source (its password in $accounts/credentials.env)"
fi

chmod 644 "$certs/ca.crt" "$certs/tls.crt"
if [ "$(id -u)" = 0 ]; then chown -R 1000:1000 "$certs" "$accounts" "$auth"; fi
