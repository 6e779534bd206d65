#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python: Debian's Chromium for the
# browser tests, a PostgreSQL server for the store and metric-engine backend tests, Pango for
# WeasyPrint's PDF reports, poppler-utils (pdftoppm) to render those PDFs in a test, and a
# Java runtime (Debian's default, 17 on bookworm) for the Spark parity tests.
# Idempotent: a second run only checks that the server is up.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ] \
  || need+=(default-jre-headless)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "test-services: need root to apt-get install ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p /usr/share/man/man1  # slim images lack it and the JRE's postinst links into it
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
fi

# One throwaway cluster owned by the postgres user, on a fixed loopback port.
PGPORT="${SOWHAT_TEST_PGPORT:-54329}"
PGDATA="${SOWHAT_TEST_PGDATA:-/tmp/sowhat-test-pg}"
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n1)")
if ! su postgres -c "$bindir/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"; chown postgres "$PGDATA"
    su postgres -c "$bindir/initdb -D $PGDATA -A trust -U postgres" >/dev/null
  fi
  su postgres -c "$bindir/pg_ctl -D $PGDATA -l $PGDATA/server.log -w \
    -o '-p $PGPORT -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off' start" >/dev/null
fi
java_version=$( (java -version 2>&1 || "$JAVA_HOME/bin/java" -version 2>&1) | head -n1 | cut -d'"' -f2)
echo "test-services: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), postgres on 127.0.0.1:$PGPORT, java $java_version"
