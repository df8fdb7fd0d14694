#!/usr/bin/env bash
# Installs the system programs the integration tests run (Postfix, ClamAV's clamd, SpamAssassin's
# spamd, rspamd with redis-server for its Bayes store, PostgreSQL, OpenLDAP's slapd and ldap-utils, miltertest, swaks for manual checks, Chromium for the
# browser tests of the web UI and of digest links, systemd's systemd-analyze and curl for the
# packed-install check, podman, podman-compose, buildah's runc and debootstrap for the container
# check) from Debian's packages, only when one is missing.
# Idempotent; starts nothing: each test starts its own private instances on loopback ports with
# their own config folders (and does not use the system services that the packages may start).
set -euo pipefail

need=()
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || need+=(postfix)
[ -x /usr/sbin/clamd ] || need+=(clamav-daemon)
[ -x /usr/sbin/spamd ] || need+=(spamd)
[ -f /etc/spamassassin/v310.pre ] || need+=(spamassassin)
command -v rspamd >/dev/null 2>&1 || need+=(rspamd)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
command -v swaks >/dev/null 2>&1 || need+=(swaks)
# scripts/test-packed-install.sh checks the systemd unit with systemd-analyze and probes with curl.
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v curl >/dev/null 2>&1 || need+=(curl)
# The milter tests drive Lazaret's milter with miltertest (Debian's package of OpenDKIM's MTA simulator).
command -v miltertest >/dev/null 2>&1 || need+=(miltertest)
# The PostgreSQL store's tests start a private cluster with Debian's initdb/postgres (pg_trgm included).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# The directory sign-in tests start a private OpenLDAP slapd (slapadd loads its directory); ldap-utils
# (ldapsearch) is there to look at it by hand.
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || need+=(ldap-utils)
# The web UI's end-to-end tests drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need+=(chromium)
# scripts/test-container.sh builds and runs the image with podman (runc as its runtime) and
# podman-compose, from a Debian base that debootstrap makes (no registry needed).
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v podman-compose >/dev/null 2>&1 || need+=(podman-compose)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)

if [ ${#need[@]} -eq 0 ]; then
  echo "install-test-deps: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing ${need[*]}; run as root to install them" >&2
  exit 1
fi

echo "install-test-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix's debconf question takes its default ("Internet Site"); the tests never use that
# system instance, they start their own with `postfix -c <private dir>`.
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}"
