#!/usr/bin/env bash
# The pooler tests (tests/runtime/test_pooler.py) run ignore() and schema() behind a real
# PgBouncer: install the Debian package when it is missing and we may (root with apt-get).
# Elsewhere say how; those tests then skip with that reason.
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing pgbouncer (Debian package) for the pooler tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer) \
        >/dev/null 2>&1 && exit 0
fi
echo "note: pgbouncer is not installed (apt-get install pgbouncer): the pooler tests will skip"
