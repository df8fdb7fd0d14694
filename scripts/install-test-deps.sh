#!/usr/bin/env bash
# Installs the Debian packages that the test suite needs, only those missing. Idempotent; run as root.
# Tests that need one of them skip with a notice when it is absent, unless LAZARET_TEST_STRICT=1.
set -euo pipefail

missing=()
need() { # need <command> <debian package>
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

# (Each feature that tests against a real daemon adds its line here.)

# The web UI's end-to-end tests drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi
