#!/bin/sh
# Checks docs/deploy/parley-relay.service without installing it:
#   - `systemd-analyze verify` (syntax, known keys, ExecStart binary present);
#   - `systemd-analyze security --offline=true`: exposure score at most 2.0 ("OK");
#   - the stop timeout leaves room for the drain of parley-relay.env (at most 1.5 x PARLEY_DRAIN_MS
#     when the relay is starved of CPU) plus 10 s.
# Needs systemd-analyze (Debian: apt-get install systemd). Exit status 0 when all hold.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
unit="$here/parley-relay.service"
envfile="$here/parley-relay.env"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not found: apt-get install systemd" >&2; exit 1; }

systemd-analyze verify "$unit"
echo "verify: ok"

systemd-analyze security --offline=true --threshold=20 --no-pager "$unit" | tail -1
echo "security exposure: ok (threshold 2.0)"

stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
drain_ms=$(sed -n 's/^PARLEY_DRAIN_MS=\([0-9]*\)$/\1/p' "$envfile")
if [ $((stop_s * 1000)) -lt $((drain_ms * 3 / 2 + 10000)) ]; then
  echo "TimeoutStopSec=${stop_s}s is too short for 1.5 x PARLEY_DRAIN_MS=${drain_ms} + 10 s" >&2
  exit 1
fi
echo "stop timeout: ${stop_s}s covers 1.5 x PARLEY_DRAIN_MS=${drain_ms} + 10 s"

for key in NODE_ENV=production EnvironmentFile= LimitNOFILE= Restart= NoNewPrivileges=yes ProtectSystem=strict; do
  grep -q "^\(Environment=\)\?$key" "$unit" || { echo "missing $key" >&2; exit 1; }
done
echo "parley-relay.service: OK"
