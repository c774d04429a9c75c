#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what mod_cppcgi needs from Debian 12 packages. Run as root. Idempotent.
#   install-deps.sh --build   to build, package and run it (the install path)
#   install-deps.sh --demo    that, and python3 for the example site (conf/demo.sh)
#   install-deps.sh           everything, with what the tests need (tests/run-all.sh)
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# What building, packaging and running the module needs (the install path).
build=(g++ cmake make pkg-config apache2 apache2-dev dpkg-dev)
# The example site's scripts (conf/demo.sh).
demo=(python3)
# What the tests need besides: GoogleTest, pytest, clients, the sanitizers'
# and fuzzers' clang, the real programs, suEXEC's wrapper, and the package
# test's tools.
tests=(libgtest-dev googletest python3-pytest python3-prometheus-client curl git ca-certificates openssl procps
       clang libclang-rt-14-dev apache2-suexec-pristine php-cgi debootstrap lintian)
case "${1:-}" in
  --build) want=("${build[@]}") ;;
  --demo) want=("${build[@]}" "${demo[@]}") ;;
  "") want=("${build[@]}" "${demo[@]}" "${tests[@]}") ;;
  *) echo "usage: install-deps.sh [--build|--demo]" >&2; exit 2 ;;
esac
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
if [ -n "${1:-}" ]; then
  echo "install-deps.sh: done ($1)"
  exit 0
fi
# gitweb and cgit would enable their Apache configuration in the system's
# server (and reload it) when first installed. Marked first as disabled by the
# admin, Debian's own way, they leave it as it was; the tests include those
# files into servers of their own.
for pkg in gitweb cgit; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
    mkdir -p /var/lib/apache2/conf/disabled_by_admin
    touch "/var/lib/apache2/conf/disabled_by_admin/$pkg"
  fi
done
apt-get install -y -qq --no-install-recommends gitweb cgit >/dev/null
# promtool, Prometheus's linter, for the metrics test: unpacked from Debian's
# prometheus package, not installed (installing would start a Prometheus server).
if [ ! -x /opt/cppcgi-test-tools/usr/bin/promtool ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null)
  dpkg-deb -x "$tmp"/prometheus_*.deb /opt/cppcgi-test-tools
  rm -rf "$tmp"
fi
# apache2-suexec-pristine: the suEXEC wrapper, for the suEXEC tests; it is
# used only where mod_suexec or mod_userdir is loaded. php-cgi, gitweb, cgit:
# real programs for the tests (test_real_programs.py), run by test servers
# with the Apache configuration their packages ship.
# Debian's apache2 package starts the system server where it can; our tests and
# the demo run their own instances on their own ports and leave it alone.
echo "install-deps.sh: done"
