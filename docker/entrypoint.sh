#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# PID 1 of the image: Debian's environment for Apache (envvars, as
# apache2ctl reads it), then apache2 itself in the foreground, so that the
# container's stop signal reaches Apache and not a shell.
set -e
. /etc/apache2/envvars
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
rm -f "$APACHE_PID_FILE"
exec /usr/sbin/apache2 -DFOREGROUND "$@"
