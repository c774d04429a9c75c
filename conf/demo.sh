#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo: installs what is needed (as root), builds mod_cppcgi, and runs
# Apache in the foreground with the module on http://127.0.0.1:8080/ serving
# the example site in conf/site (Ctrl-C stops it). Nothing under /etc/apache2
# is touched: the server runs from a private directory.
#   sudo bash conf/demo.sh
# Environment: CPPCGI_DEMO_PORT (default 8080), CPPCGI_SKIP_DEPS=1 to skip apt-get.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
port="${CPPCGI_DEMO_PORT:-8080}"

if [ "${CPPCGI_SKIP_DEPS:-0}" != 1 ]; then
  bash "$src/tests/install-deps.sh" --demo
fi
# What a user builds: no tests, warnings not errors. (A build directory that
# exists, as CI's, is only brought up to date.)
if [ ! -f "$src/build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$src/build" -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$src/build" -j"$(nproc)" >/dev/null

httpd="$(apxs -q SBINDIR)/$(apxs -q TARGET)"
modules="$(apxs -q LIBEXECDIR)"
run="$(mktemp -d /tmp/cppcgi-demo.XXXXXX)"
chmod 755 "$run"
cp -r "$src/conf/site/htdocs" "$src/conf/site/cgi-bin" "$run/"
chmod -R a+rX,go-w "$run"   # mod_cppcgi refuses group- or world-writable scripts
mkdir -p "$run/run"
if [ "$(id -u)" -eq 0 ]; then user_lines="User www-data
Group www-data"; else user_lines=""; fi

cat > "$run/httpd.conf" <<CONF
ServerRoot "$run"
Listen 127.0.0.1:$port
LoadModule mpm_event_module "$modules/mod_mpm_event.so"
LoadModule authz_core_module "$modules/mod_authz_core.so"
LoadModule authz_host_module "$modules/mod_authz_host.so"
LoadModule alias_module "$modules/mod_alias.so"
LoadModule mime_module "$modules/mod_mime.so"
LoadModule dir_module "$modules/mod_dir.so"
LoadModule cppcgi_module "$src/build/mod_cppcgi.so"
$user_lines
ServerName localhost
TypesConfig /etc/mime.types
PidFile "$run/run/httpd.pid"
DefaultRuntimeDir "$run/run"
ErrorLog /dev/stderr
LogLevel warn cppcgi:info
LogFormat "%h %l %u %t \"%r\" %>s %b" common
CustomLog /dev/stdout common
DocumentRoot "$run/htdocs"
DirectoryIndex index.html
ScriptAlias /cgi-bin/ "$run/cgi-bin/"
<Directory "$run">
  Require all granted
</Directory>
# mod_cppcgi's status page (also ?json and ?metrics), for this machine only.
<Location /cppcgi-status>
  SetHandler cppcgi-status
  Require local
</Location>
CONF

echo "mod_cppcgi demo: http://127.0.0.1:$port/  (try /cgi-bin/hello.py and /cppcgi-status; Ctrl-C stops)"
trap 'rm -rf "$run"' EXIT
"$httpd" -f "$run/httpd.conf" -DFOREGROUND &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$run"' EXIT INT TERM
wait $pid
