#!/usr/bin/env bash
# Builds Lazaret's container image (Dockerfile) and the mail images of deploy/compose/, brings
# deploy/compose/compose.yaml up with podman-compose, and checks it as an admin would:
#   three mails from the host to Postfix's published port: a clean one arrives in its Maildir, one
#   with a virus signature is held as malware (clamd), GTUBE is held as spam (rspamd); the image runs
#   as a non-root user, its HEALTHCHECK passes, and SIGTERM stops it cleanly (exit 0,
#   SHUTDOWN_COMPLETE) within the shutdown timeout. Then everything is torn down.
# No registry is needed: the Debian base image is made with debootstrap (kept in podman's image
# storage for the next run), Debian's packages and the npm registry do the rest.
# Without podman (or podman-compose) it prints a notice and exits 0; with LAZARET_TEST_STRICT=1 it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$PWD"
started=$SECONDS

say() { echo "test-container: $*"; }
missing=()
for tool in podman podman-compose swaks curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ -z "$(podman image ls -q localhost/debian:bookworm-slim 2>/dev/null)" ]; then
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${LAZARET_TEST_STRICT:-}" = 1 ]; then
    say "FAIL: missing ${missing[*]} (scripts/install-test-deps.sh installs them)" >&2
    exit 1
  fi
  say "skipped: missing ${missing[*]}"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/lazaret-container.XXXXXX")"
project="lazaret-test-$$"
compose=(podman-compose -p "$project" -f "$checkout/deploy/compose/compose.yaml")
lazaret="${project}_lazaret_1"
postfix="${project}_postfix_1"
up=""
cleanup() {
  if [ -n "$up" ]; then
    "${compose[@]}" down -v >"$work/down.log" 2>&1 || cat "$work/down.log" >&2
    # podman-compose 1.0 leaves the project's network behind.
    podman network rm "${project}_default" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  say "FAIL: $*" >&2
  if [ -n "$up" ]; then
    for service in lazaret postfix rspamd clamd; do
      echo "--- logs of $service" >&2
      podman logs --tail 30 "${project}_${service}_1" >&2 2>&1 || true
    done
  fi
  exit 1
}

# This machine's podman: runc (crun cannot set its rlimits here) and cgroupfs; a caller's own
# CONTAINERS_CONF wins.
if [ -z "${CONTAINERS_CONF:-}" ]; then
  cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  export CONTAINERS_CONF="$work/containers.conf"
fi

base=localhost/debian:bookworm-slim
if [ -z "$(podman image ls -q "$base")" ]; then
  say "making $base with debootstrap"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
  tar -C "$work/rootfs" -c . | podman import --quiet - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi
say "base image $base ($((SECONDS - started)) s)"

# A TLS-intercepting proxy's CA (this sandbox has one) reaches the build stage as a build secret only.
build=(podman build --quiet --format docker --build-arg "BASE_IMAGE=$base")
[ -f /etc/ssl/certs/ca-certificates.crt ] && build+=(--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt)
export LAZARET_IMAGE=localhost/lazaret:test
# The mail images (mostly package downloads) are built while Lazaret's compiles.
(
  for target in postfix rspamd clamd; do
    "${build[@]}" -f deploy/compose/mail.Dockerfile --target "$target" -t "localhost/lazaret-$target:test" \
      deploy/compose >/dev/null 2>"$work/build-$target.log" || { echo "$target" >"$work/build-failed"; exit 1; }
  done
) &
mail_builds=$!
"${build[@]}" -t "$LAZARET_IMAGE" . >/dev/null 2>"$work/build-lazaret.log" \
  || { wait "$mail_builds" || true; tail -n 30 "$work/build-lazaret.log" >&2; fail "building the Lazaret image failed"; }
if ! wait "$mail_builds"; then
  failed="$(cat "$work/build-failed")"
  tail -n 30 "$work/build-$failed.log" >&2
  fail "building the $failed image failed"
fi
export POSTFIX_IMAGE=localhost/lazaret-postfix:test RSPAMD_IMAGE=localhost/lazaret-rspamd:test
export CLAMD_IMAGE=localhost/lazaret-clamd:test
say "images built ($((SECONDS - started)) s)"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
mx_port="$(free_port)"
http_port="$(free_port)"
export MX_PUBLISH="127.0.0.1:$mx_port" LAZARET_HTTP_PUBLISH="$http_port" CLAMAV_FRESHCLAM=no
export LAZARET_PUBLIC_URL="http://127.0.0.1:8025"
up=1
"${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up failed"; }
say "compose up ($((SECONDS - started)) s)"

# Ready when `lazaret doctor` in the container passes: store, re-injection listener, relay, rspamd, clamd.
ready=""
for _ in $(seq 1 120); do
  if podman exec "$lazaret" lazaret doctor >"$work/doctor.log" 2>&1; then ready=1; break; fi
  sleep 1
done
[ -n "$ready" ] || { cat "$work/doctor.log" >&2; fail "lazaret doctor did not pass within 120 s"; }
say "lazaret doctor passes: every daemon answers ($((SECONDS - started)) s)"

token="$(podman exec "$lazaret" lazaret token create --user admin@localhost --scope read --name container-test)"
[ -n "$token" ] || fail "no API token"

run="container-$$-$RANDOM"
send() {
  swaks --server "127.0.0.1:$mx_port" --from "alice@sender.test" --to "$1" \
    --header "Subject: $2 $run" --body "$3" >"$work/swaks-$1.log" 2>&1 \
    || { cat "$work/swaks-$1.log" >&2; fail "Postfix did not accept the mail to $1"; }
}
send bob@example.test clean "Hello Bob, nothing to see here."
send carol@example.test virus "LAZARET-CONTAINER-TEST-VIRUS"
send dave@example.test gtube 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X'
say "three mails accepted by Postfix ($((SECONDS - started)) s)"

held() {
  api "/api/quarantine?recipient=$1&subject=$run" \
    | node -e "let s='';process.stdin.on('data',(d)=>{s+=d}).on('end',()=>{const items=JSON.parse(s).items;process.stdout.write(items.map((i)=>i.reason).join(','))})"
}
api() { curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$1"; }
delivered=""
virus=""
spam=""
for _ in $(seq 1 120); do
  [ -n "$delivered" ] || delivered="$(podman exec "$postfix" sh -c "grep -l 'Subject: clean $run' /var/mail/vhosts/example.test/bob/new/* 2>/dev/null" || true)"
  [ -n "$virus" ] || virus="$(held carol@example.test)"
  [ -n "$spam" ] || spam="$(held dave@example.test)"
  [ -n "$delivered" ] && [ -n "$virus" ] && [ -n "$spam" ] && break
  sleep 0.5
done
[ -n "$delivered" ] || fail "the clean mail did not arrive in bob's Maildir"
[ "$virus" = malware ] || fail "the virus mail: held as '$virus', expected malware"
[ "$spam" = spam ] || fail "the GTUBE mail: held as '$spam', expected spam"
[ -z "$(held bob@example.test)" ] || fail "the clean mail was held"
say "clean mail in bob's Maildir; virus held as malware, GTUBE held as spam ($((SECONDS - started)) s)"

# XFORWARD from Postfix: the item's message carries Postfix's queue id and the client's address.
item="$(api "/api/quarantine?recipient=carol@example.test&subject=$run" | node -e "let s='';process.stdin.on('data',(d)=>{s+=d}).on('end',()=>{process.stdout.write(JSON.parse(s).items[0].id)})")"
queue_id="$(api "/api/quarantine/$item" | node -e "let s='';process.stdin.on('data',(d)=>{s+=d}).on('end',()=>{process.stdout.write(JSON.parse(s).message.queueId ?? '')})")"
[[ "$queue_id" =~ ^[0-9A-F]+$ ]] || fail "the held item has no Postfix queue id (XFORWARD): '$queue_id'"
podman logs "$postfix" >"$work/postfix.log" 2>&1
grep -q "$queue_id: client=" "$work/postfix.log" || fail "Postfix's log has no queue id $queue_id"
say "the held item carries Postfix's queue id $queue_id (XFORWARD)"

# Every process of the container (tini and node) runs as lazaret.
podman top "$lazaret" user args >"$work/top.txt"
grep -q 'node /usr/local/bin/lazaret serve' "$work/top.txt" || { cat "$work/top.txt" >&2; fail "no lazaret serve process"; }
users="$(awk 'NR > 1 { print $1 }' "$work/top.txt" | sort -u | tr '\n' ' ')"
[ "$users" = "lazaret " ] || fail "the container's processes run as: $users"
podman healthcheck run "$lazaret" >/dev/null || fail "the image's HEALTHCHECK failed"
say "tini and lazaret serve run as the user lazaret; HEALTHCHECK passes"

# docs/operations.md's backup: a second container of the image on the running one's volume.
install -d -m 0750 -o 10025 -g 10025 "$work/backups"
podman run --rm --volumes-from "$lazaret" -v "$work/backups:/backups" "$LAZARET_IMAGE" backup /backups/today \
  >"$work/backup.log" 2>&1 || { cat "$work/backup.log" >&2; fail "lazaret backup in a second container failed"; }
[ -f "$work/backups/today/lazaret-backup.json" ] || fail "the backup wrote no lazaret-backup.json"
say "lazaret backup from a second container on the volume: $(ls "$work/backups/today" | tr '\n' ' ')"

# podman stop sends SIGTERM and waits; a kill after the wait would show as exit code 137.
stop_started=$SECONDS
podman stop --time 30 "$lazaret" >/dev/null
stop_seconds=$((SECONDS - stop_started))
code="$(podman inspect --format '{{.State.ExitCode}}' "$lazaret")"
[ "$code" = 0 ] || fail "after SIGTERM lazaret exited with $code"
podman logs "$lazaret" >"$work/lazaret.log" 2>&1
grep -q '"SHUTDOWN_COMPLETE"' "$work/lazaret.log" || fail "no SHUTDOWN_COMPLETE in the log"
[ "$stop_seconds" -le 10 ] || fail "stopping took $stop_seconds s, more than the shutdown timeout allows"
say "SIGTERM → SHUTDOWN_COMPLETE, exit 0 in ${stop_seconds} s"

say "passed in $((SECONDS - started)) s"
echo "1 passed, 0 failed"
