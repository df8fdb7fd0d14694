# The mail daemons of deploy/compose/compose.yaml, one target each: postfix, rspamd, clamd.
# Debian's packages on the same base as Lazaret's image (BASE_IMAGE: see the Dockerfile at the top).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS postfix
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 5000 vmail \
 && useradd --system --uid 5000 --gid vmail --home-dir /var/mail/vhosts --shell /usr/sbin/nologin vmail \
 && install -d -m 0750 -o vmail -g vmail /var/mail/vhosts
COPY postfix/main.cf postfix/vmailbox /etc/postfix/
COPY postfix/master.cf.lazaret /etc/postfix/
# Debian's master.cf plus docs/postfix.md's transport and re-injection listener; no chroot in a container.
RUN cat /etc/postfix/master.cf.lazaret >>/etc/postfix/master.cf \
 && postconf -F '*/*/chroot = n' \
 && postfix check
VOLUME /var/mail/vhosts
EXPOSE 25
CMD ["postfix", "start-fg"]

FROM ${BASE_IMAGE} AS rspamd
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rspamd \
 && rm -rf /var/lib/apt/lists/*
COPY rspamd/ /etc/rspamd/local.d/
EXPOSE 11333
CMD ["rspamd", "--no-fork", "--user", "_rspamd", "--group", "_rspamd"]

FROM ${BASE_IMAGE} AS clamd
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clamav-daemon clamav-freshclam \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -m 0755 -o clamav -g clamav /run/clamav
COPY clamd/clamd.conf /etc/clamav/clamd.conf
COPY clamd/lazaret-test.ndb clamd/start-clamd.sh /usr/local/share/lazaret/
VOLUME /var/lib/clamav
EXPOSE 3310
CMD ["sh", "/usr/local/share/lazaret/start-clamd.sh"]
