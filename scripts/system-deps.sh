#!/usr/bin/env bash
# System packages the tests drive for real: Debian's chromium (browser tests), an OpenSSH server
# (the SSH tunnel's loopback peer) and the toolchains that run the exported receivers (Node.js,
# a JDK and Maven, PHP, Ruby with webrick, and Debian's Go 1.19 as the oldest Go of the test matrix).
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
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v ruby >/dev/null 2>&1 || need+=(ruby)
# Ruby 3 no longer bundles webrick: add it with a new ruby, or to a ruby that lacks it.
if ! command -v ruby >/dev/null 2>&1 || ! ruby -e 'require "webrick"' >/dev/null 2>&1; then need+=(ruby-webrick); fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=""
# apt_install WHAT PACKAGE...: install the packages, if any (the package lists are read once).
apt_install() {
  local what=$1; shift
  [ $# -eq 0 ] && return 0
  echo "installing $what: $*"
  [ -n "$updated" ] || { $SUDO apt-get update -qq; updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
apt_install "system packages" "${need[@]}"

# The PHP and Ruby web frameworks the framework hookups are tested with (tests/frameworks), from
# Debian only (no composer, no rubygems): Laravel 8 (php-laravel-framework pulls the mbstring, xml
# and intl extensions it needs), Rails 6.1 (ruby-rails: the framework without the `rails` package's
# webpacker/node tool chain, whose node-* packages clash with a Node.js from elsewhere), Sinatra
# 3 with rack-protection, and Puma, the server rackup and `rails server` pick.
fw=()
php -r 'require "Illuminate/autoload.php"; exit(class_exists("Illuminate\\Foundation\\Application") ? 0 : 1);' >/dev/null 2>&1 || fw+=(php-laravel-framework)
ruby -e 'require "action_controller/railtie"; require "active_job/railtie"' >/dev/null 2>&1 || fw+=(ruby-rails)
ruby -e 'require "sinatra/base"; require "rack/protection"' >/dev/null 2>&1 || fw+=(ruby-sinatra)
command -v puma >/dev/null 2>&1 && command -v rackup >/dev/null 2>&1 || fw+=(puma ruby-rack)
apt_install "framework packages" "${fw[@]}"
