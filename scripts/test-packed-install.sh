#!/usr/bin/env bash
# Installs Lazaret as an admin would and starts it as deploy/systemd/lazaret.service would:
#   npm pack → npm install -g of that tarball into a temporary prefix → lazaret --version →
#   systemd-analyze verify of the unit → its ExecStart run under its User, Environment,
#   EnvironmentFile and WorkingDirectory (paths moved into a temporary root), from outside the
#   checkout, with deploy/lazaret.json as its config → /healthz, the web UI and its assets answer →
#   SIGTERM stops it with exit code 0.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$PWD"

work="$(mktemp -d "${TMPDIR:-/tmp}/lazaret-pack.XXXXXX")"
chmod 755 "$work"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "test-packed-install: FAIL: $*" >&2
  [ -f "$work/serve.log" ] && tail -n 40 "$work/serve.log" >&2
  exit 1
}

tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "test-packed-install: packed $tarball ($(du -h "$work/$tarball" | cut -f1))"
npm install -g --prefix "$work/prefix" --no-audit --no-fund --engine-strict --allow-scripts=better-sqlite3 "$work/$tarball" >/dev/null
bin="$work/prefix/bin/lazaret"
[ -x "$bin" ] || fail "npm install -g put no lazaret in $work/prefix/bin"

expected="$(node -p "require('./package.json').version")"
version="$(cd / && "$bin" --version)"
[ "$version" = "$expected" ] || fail "lazaret --version printed '$version', expected '$expected'"
echo "test-packed-install: lazaret --version → $version"

# The unit as shipped, with its paths moved under $work (systemd-analyze needs ExecStart to exist).
unit="$work/lazaret.service"
sed -e "s#/usr/local/bin/lazaret#$bin#" deploy/systemd/lazaret.service >"$unit"
systemd-analyze verify "$unit" || fail "systemd-analyze verify found problems in the unit"
echo "test-packed-install: systemd-analyze verify: no problems"

value() { sed -n "s/^$1=//p" "$unit"; }
user="$(value User)"
root_of() { printf '%s' "$work/root$1"; }
state="$(root_of /var/lib/lazaret)"
etc="$(root_of /etc/lazaret)"
mkdir -p "$state" "$etc"
sed -e "s#/var/lib/lazaret#$state#" deploy/lazaret.json >"$etc/lazaret.json"
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
http_port="$(free_port)"
smtp_port="$(free_port)"
{
  cat deploy/systemd/lazaret.env
  # This test's own settings: free ports, a public address on them, no daemons to scan with.
  echo "LAZARET_HTTP_PORT=$http_port"
  echo "LAZARET_SMTP_PORT=$smtp_port"
  echo "LAZARET_PUBLIC_URL=http://127.0.0.1:$http_port"
  echo "LAZARET_ADMIN_PASSWORD=packed-install-password"
  echo "LAZARET_SCANNERS_ENABLED=headers,policy"
} >"$etc/lazaret.env"

# The unit's environment: its Environment= lines, then its EnvironmentFile (paths moved likewise).
env_args=()
while IFS= read -r line; do
  env_args+=("${line//\/etc\/lazaret/$etc}")
done < <(value Environment)
env_file="$(value EnvironmentFile)"
env_file="${env_file#-}"
while IFS= read -r line; do
  case "$line" in '' | '#'*) ;; *) env_args+=("$line") ;; esac
done <"${env_file//\/etc\/lazaret/$etc}"
workdir="$(value WorkingDirectory)"
workdir="${workdir//\/var\/lib\/lazaret/$state}"
read -r -a exec_start <<<"$(value ExecStart)"

# The unit's User: created as a system user when missing (CI runs as root); else the current user.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  chown -R "$user:$user" "$state"
  chmod 0750 "$state"
  chown -R "root:$user" "$etc"
  chmod 0640 "$etc/lazaret.env" "$etc/lazaret.json"
  as_user=(setpriv "--reuid=$user" "--regid=$user" --init-groups --no-new-privs)
fi

case "$workdir" in "$checkout"*) fail "WorkingDirectory $workdir is inside the checkout" ;; esac
(cd "$workdir" && exec "${as_user[@]}" env -i PATH=/usr/bin:/bin "${env_args[@]}" "${exec_start[@]}") \
  >"$work/serve.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "lazaret serve exited before answering"
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null || fail "/healthz did not answer"
page="$(curl -fsS "http://127.0.0.1:$http_port/")"
asset="$(printf '%s' "$page" | grep -o 'src="/assets/[^"]*\.js"' | head -n 1 | sed 's/^src="//; s/"$//')"
[ -n "$asset" ] || fail "the web UI page names no script asset"
curl -fsS -o /dev/null "http://127.0.0.1:$http_port$asset" || fail "web UI asset $asset is missing"
[ -f "$state/lazaret.sqlite" ] || fail "the store was not created in the StateDirectory $state"
owner="$(stat -c %U "$state/lazaret.sqlite")"
[ "$(id -u)" -ne 0 ] || [ "$owner" = "$user" ] || fail "the store belongs to $owner, not $user"
echo "test-packed-install: serve answers /healthz, / and $asset; store in the StateDirectory, owned by $owner"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || fail "lazaret serve exited with $status after SIGTERM"
grep -q '"SHUTDOWN_COMPLETE"' "$work/serve.log" || fail "no SHUTDOWN_COMPLETE in the log"
echo "test-packed-install: SIGTERM → clean shutdown, exit 0"
echo "1 passed, 0 failed"
