#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, from nothing: installs what is needed (as root),
# builds with warnings as errors, runs the unit tests and the integration
# suite against a real Apache under event (all tests), prefork and worker
# (smoke subset), the Debian package (built, linted, installed into a
# debootstrap root, purged), the external-server tests against the demo, a 60 s soak,
# then the unit tests and the integration suite with ASan+UBSan, and each
# libFuzzer target for a bounded time.
#   sudo bash tests/run-all.sh
# Set CPPCGI_SKIP_DEPS=1 to skip the apt-get step.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
cd "$src"

if [ "${CPPCGI_SKIP_DEPS:-0}" != 1 ]; then
  bash tests/install-deps.sh
fi

# install-deps.sh installed Debian's suEXEC wrapper and the real programs
# (git, php-cgi, gitweb, cgit): their tests must run, not skip.
export CPPCGI_REQUIRE_SUEXEC=1 CPPCGI_REQUIRE_PROGRAMS=1

echo "== build (warnings are errors)"
bash tests/build.sh "$src/build"

echo "== unit + integration tests (ctest)"
(cd "$src/build" && ctest --no-tests=error --output-on-failure --timeout 900)

echo "== the install path and the Debian package: a build without tests or -Werror, cpack -G DEB, lintian,"
echo "   and the package installed, enabled, serving and purged in a debootstrap root (test_package.py)"
cmake -S "$src" -B "$src/build-deb" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$src/build-deb" -j"$(nproc)" >/dev/null
(cd "$src/build-deb" && rm -f ./*.deb && cpack -G DEB >/dev/null)
CPPCGI_DEB="$(ls "$src"/build-deb/libapache2-mod-cppcgi_*.deb)" CPPCGI_MODULE="$src/build/mod_cppcgi.so" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/test_package.py

echo "== external-server mode: the demo (conf/demo.sh) started separately, the suite pointed at it"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
CPPCGI_SKIP_DEPS=1 CPPCGI_DEMO_PORT="$port" bash conf/demo.sh > "$src/build/demo.log" 2>&1 &
demo=$!
trap 'kill -TERM $demo 2>/dev/null || true; wait $demo 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/cgi-bin/hello.py', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
CPPCGI_EXTERNAL_URL="http://127.0.0.1:$port" /usr/bin/python3 -m pytest -q -p no:cacheprovider -m external tests/integration
kill -TERM $demo
wait $demo || true
trap - EXIT

echo "== soak: ${CPPCGI_SOAK_SECONDS:-60} s of mixed load with helper kills and graceful restarts (tests/soak/soak.py)"
CPPCGI_MODULE="$src/build/mod_cppcgi.so" /usr/bin/python3 tests/soak/soak.py --seconds "${CPPCGI_SOAK_SECONDS:-60}"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer: unit tests, and the integration suite with the"
echo "   sanitized module loaded into apache2 (libasan preloaded; any report fails the run). This build"
echo "   also has the helpers' fault injection, so the faulty-helper tests (E7) run here, not skip."
bash tests/build.sh "$src/build-asan" -DCPPCGI_SANITIZE=ON -DCPPCGI_BUILD_MODULE=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCPPCGI_FAULT_INJECTION=ON
libasan="$(gcc -print-file-name=libasan.so)"
(cd "$src/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --no-tests=error --output-on-failure --timeout 600 -E '^integration_')
(cd "$src/build-asan" && CPPCGI_REQUIRE_FAULTS=1 \
  CPPCGI_HTTPD_ENV="LD_PRELOAD=$libasan ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1" \
  ctest --no-tests=error --output-on-failure --timeout 900 -R '^integration_(event|prefork)$')

echo "== fuzzing: each libFuzzer target for ${CPPCGI_FUZZ_SECONDS:-15} s (tests/fuzz/run.sh for longer)"
bash tests/fuzz/run.sh "${CPPCGI_FUZZ_SECONDS:-15}"

echo "run-all.sh: all tests passed"
