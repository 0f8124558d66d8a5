#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (real S3 clients and servers).
# Idempotent; skips what is present. Needs root (CI and dev machines run as root) or sudo.
set -euo pipefail
pkgs=()
command -v rclone >/dev/null 2>&1 || pkgs+=(rclone)
# bench/ (make bench, tests/bench): nginx with WebDAV (Debian's nginx has ngx_http_dav_module),
# wrk and curl as generator checks
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || pkgs+=(nginx)
command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || pkgs+=(curl)
[ ${#pkgs[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing Debian packages: ${pkgs[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
