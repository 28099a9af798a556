#!/usr/bin/env bash
# Makes sure what the test suite talks to is there: PostgreSQL and Redis running on
# 127.0.0.1, and Debian's chromium, nginx and caddy installed (browser and gateway tests),
# and openssl (the audit tests make a self-signed certificate with it).
# Starts or installs only what is missing; never skips.
set -euo pipefail

log() { printf 'test-prerequisites: %s\n' "$*" >&2; }

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v caddy >/dev/null 2>&1 || [ -x /usr/bin/caddy ] || missing+=(caddy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing ${missing[*]}: install them with apt-get (needs root)"; exit 1
  fi
  log "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The password-import tests make $2y$, $2a$ and $7$ (scrypt) hashes with the system's
# crypt(3): Debian's libxcrypt (libcrypt1), reached through perl (both essential there).
if ! perl -e 'exit(crypt("x", q($7$C6..../....salt)) =~ /^\$7\$/ ? 0 : 1)' 2>/dev/null; then
  log "perl's crypt(3) cannot make \$7\$ (scrypt) hashes: the tests need libxcrypt (Debian: libcrypt1)"; exit 1
fi
log "ready"
