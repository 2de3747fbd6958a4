#!/bin/sh
# One-shot (temporal-namespace service, temporalio/admin-tools image): make sure the
# namespace chibo uses exists. Describe-or-create, so re-running it is harmless.
#
# Env: TEMPORAL_ADDRESS (host:port of the frontend), TEMPORAL_NAMESPACE,
# TEMPORAL_NAMESPACE_RETENTION (how long closed workflows are kept, e.g. 72h).
set -eu

: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_NAMESPACE_RETENTION:=72h}"

# The server's compose healthcheck only proves the frontend port is open; wait until
# the frontend reports SERVING (history and matching up) before touching namespaces.
attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 30 ]; then
        echo "temporal-namespace: $TEMPORAL_ADDRESS not serving after $attempt attempts" >&2
        exit 1
    fi
    sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" \
    -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
    echo "temporal-namespace: $TEMPORAL_NAMESPACE already exists"
else
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" \
        -n "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_NAMESPACE_RETENTION"
    echo "temporal-namespace: created $TEMPORAL_NAMESPACE"
fi
