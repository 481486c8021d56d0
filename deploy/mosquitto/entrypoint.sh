#!/bin/sh
# Entry point of the mosquitto container (docker-compose.yml): make sure the password file
# exists and holds the platform's service accounts, then run the command (the broker).
#
# Passwords come from the environment (.env). An empty one removes that account, so the
# simulator account exists only where MQTT_SIMULATOR_PASSWORD is set. Devices' entries,
# written by `udara devices add`, are left alone. Safe to run on every start.
set -eu

config_dir="${MOSQUITTO_CONFIG_DIR:-/mosquitto/config}"
data_dir="${MOSQUITTO_DATA_DIR:-/mosquitto/data}"
passwd="$config_dir/passwd"

umask 077
if [ ! -f "$passwd" ]; then
    : > "$passwd"
    echo "udara: created $passwd"
fi

account() {  # account USER PASSWORD VARIABLE
    if [ -n "$2" ]; then
        mosquitto_passwd -b "$passwd" "$1" "$2"
    elif grep -q "^$1:" "$passwd"; then
        mosquitto_passwd -D "$passwd" "$1"
        echo "udara: $3 is empty: removed broker account $1"
    fi
}

account udara-ingest "${MQTT_INGEST_PASSWORD:-}" MQTT_INGEST_PASSWORD
account udara-web "${MQTT_WEB_PASSWORD:-}" MQTT_WEB_PASSWORD
account udara-simulator "${MQTT_SIMULATOR_PASSWORD:-}" MQTT_SIMULATOR_PASSWORD
account udara-healthcheck "${MQTT_HEALTHCHECK_PASSWORD:-}" MQTT_HEALTHCHECK_PASSWORD

# The broker drops root after reading its configuration and rereads these files on SIGHUP
# as the mosquitto user: give it the secret files, and its data folder.
if [ "$(id -u)" = 0 ] && id mosquitto > /dev/null 2>&1; then
    chown mosquitto:mosquitto "$passwd"
    chmod 0600 "$passwd"
    if [ -d "$data_dir" ]; then
        chown mosquitto:mosquitto "$data_dir"
    fi
fi

exec "$@"
