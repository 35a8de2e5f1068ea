#!/bin/sh
# Creates the ttmon user and its directories from the sysusers.d and
# tmpfiles.d entries the package installed, and lets systemd see the unit.
# The collector is not started: it needs a token first (/etc/ttmon/collect.env).
set -e
if command -v systemd-sysusers >/dev/null 2>&1; then
    systemd-sysusers ttmon.conf
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-tmpfiles --create ttmon.conf
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
fi
