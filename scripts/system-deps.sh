#!/usr/bin/env bash
# System packages the tests drive for real: Debian's chromium (browser tests), an OpenSSH server
# (the SSH tunnel's loopback peer) and the toolchains that run the exported receivers (Node.js,
# a JDK, PHP, Ruby with webrick, and Debian's Go 1.19 as the oldest Go of the test matrix).
# Installs only what is missing; needs root or sudo.
# The machine kind brings the current Go (`go` on PATH) and a second JDK (Temurin, under
# /usr/lib/jvm/temurin-*): tests/receivers/toolchains.py finds them. golang-1.19-go installs under
# /usr/lib/go-1.19/ and leaves `go` alone; Debian's golang-go would replace /usr/bin/go, so it is
# never installed here.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/lib/go-1.19/bin/go ] || need+=(golang-1.19-go)
command -v java >/dev/null 2>&1 || need+=(default-jdk-headless)
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v ruby >/dev/null 2>&1 || need+=(ruby)
# Ruby 3 no longer bundles webrick: add it with a new ruby, or to a ruby that lacks it.
if ! command -v ruby >/dev/null 2>&1 || ! ruby -e 'require "webrick"' >/dev/null 2>&1; then need+=(ruby-webrick); fi
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
