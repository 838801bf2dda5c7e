#!/usr/bin/env bash
# One entry point for a fresh machine: sets everything up, then runs what you ask.
#   ./run.sh demo [--serve]   play a whole tender life cycle on the embedded default
#   ./run.sh serve            start the web server (SQLite in instance/, scheduler in-process)
#   ./run.sh test [ARGS]      the whole test suite on SQLite, then on PostgreSQL if it answers
set -euo pipefail
cd "$(dirname "$0")"

setup() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  vendor_assets
}

vendor_assets() {
  # browser libraries come from the npm registry into the git-ignored static/vendor/:
  # socket.io-client for the live pages, axe-core for the page check (tests/pages/), ECharts
  # for the supervisors' charts (/supervision/trends), nzh for amounts in Chinese capital
  # numerals (the opening hall's read-out), js-sha256 for the browser sealer's streaming hash
  # of each section's ciphertext (static/js/sealing.js: WebCrypto's digest is one-shot)
  if [ -f static/vendor/socket.io.min.js ] && [ -f static/vendor/axe.min.js ] \
    && [ -f static/vendor/echarts.min.js ] && [ -f static/vendor/nzh.cn.min.js ] \
    && [ -f static/vendor/sha256.min.js ]; then return; fi
  if ! command -v npm >/dev/null; then
    echo "npm not found: pages work without live updates (install Node.js for them)" >&2
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  npm install --silent --no-audit --no-fund --prefix "$tmp" socket.io-client@4 axe-core@4 \
    echarts@5 nzh@1 js-sha256@0.11 >/dev/null
  mkdir -p static/vendor
  cp "$tmp/node_modules/socket.io-client/dist/socket.io.min.js" static/vendor/
  cp "$tmp/node_modules/axe-core/axe.min.js" static/vendor/
  cp "$tmp/node_modules/echarts/dist/echarts.min.js" static/vendor/
  cp "$tmp/node_modules/nzh/dist/nzh.cn.min.js" static/vendor/
  cp "$tmp/node_modules/js-sha256/build/sha256.min.js" static/vendor/
  rm -rf "$tmp"
}

ensure_chromium() {
  # browser tests drive Debian's Chromium (never a downloaded browser build); the page check
  # measures Chinese pages, which needs real CJK glyphs rather than fallback boxes
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK \
    || missing+=(fonts-noto-cjk)
  # the evaluation report's PDF embeds a TrueType CJK font (Noto CJK is CFF, which ReportLab
  # cannot embed); its tests read the Chinese text back with pdftotext
  [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's ${missing[*]} for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
      >/dev/null
  fi
}

postgres_url() {
  local url="${BIDHALL_TEST_POSTGRES:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}"
  if .venv/bin/python - "$url" <<'PY' 2>/dev/null; then echo "$url"; fi
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], connect_args={"connect_timeout": 3})
with engine.connect() as connection:
    connection.execute(text("select 1"))
PY
}

cmd="${1:-}"
shift || true
case "$cmd" in
  demo)
    setup
    exec .venv/bin/bidhall demo "$@"
    ;;
  serve)
    setup
    exec .venv/bin/bidhall serve "$@"
    ;;
  test)
    setup
    ensure_chromium
    echo "== lint"
    .venv/bin/ruff check --quiet .
    echo "== layering (import-linter contracts in pyproject.toml, DESIGN.md §2)"
    .venv/bin/lint-imports --no-cache
    echo "== test suite on SQLite"
    .venv/bin/python -m pytest -n 2 -q "$@"
    pg="$(postgres_url)"
    if [ -n "$pg" ]; then
      echo "== test suite on PostgreSQL"
      BIDHALL_TEST_DATABASE_URL="$pg" .venv/bin/python -m pytest -n 2 -q "$@"
    else
      echo "== PostgreSQL does not answer on 127.0.0.1:5432: SQLite run only"
    fi
    ;;
  *)
    echo "usage: ./run.sh demo [--serve] | serve | test [pytest args]" >&2
    exit 64
    ;;
esac
