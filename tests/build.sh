#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures and builds mod_cppcgi with warnings as errors.
#   tests/build.sh [BUILD_DIR] [extra cmake arguments...]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
shift || true
cmake -S "$src" -B "$build" -DCPPCGI_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
