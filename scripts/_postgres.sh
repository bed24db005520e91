# Sourced by scripts/test: makes sure a PostgreSQL server answers on 127.0.0.1:5432 and exports
# DONORBOT_TEST_POSTGRES_URL for the contract tests. Starts or installs the server when it can; without one
# the PostgreSQL tests skip with a printed reason, except under CI=true where they must run.
pg_up() { .venv/bin/python - <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", 5432))
except OSError:
    sys.exit(1)
PY
}
pg_start() {
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
  fi
}
if ! pg_up; then
  pg_start
  if ! pg_up && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing PostgreSQL for the contract tests ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 || true
    for v in $(ls /etc/postgresql 2>/dev/null); do
      conf="/etc/postgresql/$v/main/pg_hba.conf"
      grep -q "donorbot-trust" "$conf" 2>/dev/null ||
        sed -i '1i host all all 127.0.0.1/32 trust # donorbot-trust' "$conf"
    done
    pg_start
  fi
  for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
fi
if pg_up; then
  export DONORBOT_TEST_POSTGRES_URL="${DONORBOT_TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
else
  echo "NOTE: no PostgreSQL server on 127.0.0.1:5432 and none could be started; PostgreSQL tests will skip." >&2
fi
