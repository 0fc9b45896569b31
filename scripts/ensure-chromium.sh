#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. When it is missing and this user may install
# packages, install it; otherwise say plainly what is needed and fail.
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$path" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is missing at $path; installing Debian's chromium package for the browser tests." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$path" ] && exit 0
fi

echo "Chromium is missing at $path. The browser tests need it:" >&2
echo "  sudo apt-get install chromium    (Debian, Ubuntu)" >&2
echo "or point CHROMIUM_PATH at a Chromium or Chrome binary." >&2
exit 1
