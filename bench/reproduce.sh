#!/usr/bin/env bash
# One command for bench/README.md's tables: builds the large site on SQLite and on
# PostgreSQL (postgresql://postgres@127.0.0.1/folio_bench, Redis on 127.0.0.1:6379/9),
# then loads each under gunicorn. About 25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e ".[dev,bench]"
for db in sqlite postgresql; do
    .venv/bin/python bench/generate.py --db "$db"
    .venv/bin/python bench/run.py --db "$db" "$@"
done
