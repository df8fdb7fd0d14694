#!/bin/sh
# clamd with two test signatures (EICAR and "LAZARET-CONTAINER-TEST-VIRUS"), so that it starts
# without a downloaded database; freshclam then fetches the real ones in the background and makes
# clamd reload them. CLAMAV_FRESHCLAM=no leaves freshclam out (hosts without access to ClamAV's mirrors).
set -eu
cp /usr/local/share/lazaret/lazaret-test.ndb /var/lib/clamav/lazaret-test.ndb
chown clamav:clamav /var/lib/clamav/lazaret-test.ndb
if [ "${CLAMAV_FRESHCLAM:-yes}" != no ]; then
  freshclam --daemon --foreground=false --checks=12 --daemon-notify=/etc/clamav/clamd.conf || true
fi
exec clamd --foreground --config-file=/etc/clamav/clamd.conf
