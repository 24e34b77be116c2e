#!/usr/bin/env bash
# Tempest 33's image API tests against a freshly started Kura, with pre-provisioned accounts created through
# Kura's own identity API (reference glance-v2.md §2.2) or, with KURA_CONFORMANCE_IDENTITY=Keystone, in the real
# Keystone whose catalog names Kura as the image endpoint (conformance/lib.sh). Installs Debian's tempest if missing. Prints each
# failure and ends with "N passed, N failed, N skipped"; exits non-zero when any test failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
apt_install tempest tempest || { echo "0 passed, 1 failed"; exit 1; }
# web-download needs an image the server can fetch: a small web server on loopback, and Kura told to allow it.
HTTP_DIR=$(mktemp -d /tmp/kura-http.XXXXXX)
head -c 1048576 /dev/urandom >"$HTTP_DIR/test-image.img"
HTTP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$HTTP_DIR" >/dev/null 2>&1 &
HTTP_PID=$!
cleanup() { kill "$HTTP_PID" 2>/dev/null; rm -rf "$HTTP_DIR"; stop_kura; }
trap cleanup EXIT
start_kura --Import:DisallowPrivateAddresses=false --Import:AllowedPorts:0=80 --Import:AllowedPorts:1=443 "--Import:AllowedPorts:2=$HTTP_PORT" \
  || { echo "0 passed, 1 failed"; exit 1; }

CONCURRENCY=${TEMPEST_CONCURRENCY:-2}
WS="$WORK/tempest"
PASSWORD="tempest-$RANDOM$RANDOM"

# --- accounts: per worker one primary, one alt (separate projects) and one admin -------------------------
python3 - "$AUTH_URL" "$ADMIN_PW" "$PASSWORD" "$CONCURRENCY" "${BASE##*:}" >"$WORK/accounts.yaml" <<'PY' || { echo "account set-up failed"; echo "0 passed, 1 failed"; exit 1; }
import json, sys, urllib.request
auth_url, admin_pw, password, workers, run = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def call(method, path, body=None, token=None):
    req = urllib.request.Request(auth_url + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req) as r:
        return r.headers, (json.loads(r.read() or b"null"))

headers, _ = call("POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": admin_pw}}}, "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
token = headers["X-Subject-Token"]
roles = {r["name"]: r["id"] for r in call("GET", "/roles", token=token)[1]["roles"]}
out = []
for w in range(workers):
    for kind in ("primary", "alt", "admin"):
        name = f"tempest-{kind}-{w}-{run}"
        project = call("POST", "/projects", {"project": {"name": name}}, token)[1]["project"]["id"]
        user = call("POST", "/users", {"user": {"name": name, "password": password, "default_project_id": project}}, token)[1]["user"]["id"]
        role = "admin" if kind == "admin" else "member"
        call("PUT", f"/projects/{project}/users/{user}/roles/{roles[role]}", token=token)
        out.append(f"- username: {name}\n  project_name: {name}\n  password: {password}\n  user_domain_name: Default\n  project_domain_name: Default\n  roles: [{role}]\n")
print("".join(out))
PY

# --- workspace and configuration ---------------------------------------------------------------------------
# (from $WORK: tempest init writes a tempest.log into the directory it runs in)
(cd "$WORK" && tempest init --workspace-path "$WORK/workspaces.yaml" "$WS") >"$WORK/tempest-init.log" 2>&1 || { echo "tempest init failed"; echo "0 passed, 1 failed"; exit 1; }
cp "$WORK/accounts.yaml" "$WS/etc/accounts.yaml"
cat >"$WS/etc/tempest.conf" <<CONF
[DEFAULT]
log_file = tempest.log

[oslo_concurrency]
lock_path = $WS/lock

[auth]
use_dynamic_credentials = false
test_accounts_file = $WS/etc/accounts.yaml
default_credentials_domain_name = Default
create_isolated_networks = false

[identity]
uri_v3 = $AUTH_URL
auth_version = v3
region = RegionOne
v3_endpoint_type = public

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[service_available]
glance = true
nova = false
cinder = false
neutron = false
swift = false
horizon = false

[image]
catalog_type = image
region = RegionOne
endpoint_type = publicURL
build_timeout = 60
build_interval = 1
http_image = http://127.0.0.1:$HTTP_PORT/test-image.img
image_caching_enabled = false

[image-feature-enabled]
api_v2 = true
api_v1 = false
import_image = true
os_glance_reserved = true
manage_locations = false

[validation]
run_validation = false
CONF

cd "$WS" || exit 1
tempest run --regex '^tempest\.api\.image' --concurrency "$CONCURRENCY" >"$WORK/tempest-run.log" 2>&1
stestr last --subunit 2>/dev/null | subunit2csv 2>/dev/null >"$WORK/results.csv" || true

python3 - "$WORK/results.csv" "$WORK/tempest-run.log" <<'PY'
import csv, re, sys
passed = failed = skipped = 0
rows = list(csv.DictReader(open(sys.argv[1]))) if open(sys.argv[1]).read().strip() else []
for row in rows:
    status, name = row["status"], re.sub(r"\[.*\]$", "", row["test"])
    if status == "success":
        passed += 1
    elif status == "skip":
        skipped += 1
        print(f"skip - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}")
if not rows:
    print(open(sys.argv[2]).read()[-4000:])
    failed = max(failed, 1)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
status=$?
if [ $status -ne 0 ]; then
  grep -E -A30 '^(FAIL|ERROR|Traceback)' "$WORK/tempest-run.log" | head -150
fi
exit $status
