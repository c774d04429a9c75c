#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark, from nothing (as root): installs what it needs, builds
# mod_cppcgi, and runs bench.py on 127.0.0.1. Not part of the test suite.
#   bash tests/bench/run.sh [bench.py options, e.g. --seconds 5 --rounds 3]
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
if [ "${CPPCGI_SKIP_DEPS:-0}" != 1 ]; then
  bash "$src/tests/install-deps.sh"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    wrk lighttpd nginx-light fcgiwrap spawn-fcgi libc6-dev >/dev/null
fi
bash "$src/tests/build.sh" "$src/build"
CPPCGI_MODULE="$src/build/mod_cppcgi.so" exec python3 "$src/tests/bench/bench.py" "$@"
