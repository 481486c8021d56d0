#!/bin/sh
# Healthcheck of the mosquitto container: log in as udara-healthcheck on the platform
# listener and read the retained $SYS/broker/version. Proves the broker accepts
# connections, checks passwords and applies the ACL.
set -eu
exec mosquitto_sub \
    -h "${MQTT_HEALTHCHECK_HOST:-127.0.0.1}" -p "${MQTT_HEALTHCHECK_PORT:-1884}" \
    -u udara-healthcheck -P "${MQTT_HEALTHCHECK_PASSWORD:?}" \
    -i "udara-healthcheck-$$" -t '$SYS/broker/version' -C 1 -W 5 > /dev/null
