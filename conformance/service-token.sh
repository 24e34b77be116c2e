#!/usr/bin/env bash
# Service tokens as Nova uses them for a long snapshot upload (issue 16): glanceclient over keystoneauth's own
# ServiceTokenAuthWrapper (Debian's python3-keystoneauth1 and python3-glanceclient). A user token creates an image,
# expires, and the upload that follows is refused on its own, refused with a non-service token as the service token,
# and completes with the service token of a user holding the service role. Runs twice: on Kura's own identity (tokens
# live 15 s) and behind a Keystone of its own (scripts/keystone.sh, [token] expiration 15 s). Prints "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
apt_install python3-glanceclient glance || { echo "0 passed, 1 failed"; exit 1; }

KS_STATE=$(mktemp -u /tmp/kura-keystone-svc.XXXXXX)
trap 'stop_kura; KURA_KEYSTONE_STATE=$KS_STATE bash "$KURA_ROOT/scripts/keystone.sh" stop' EXIT

# scenario NAME: the flow against the Kura just started ($BASE, $AUTH_URL, $ADMIN_PW).
scenario() {
  local out
  out=$(/usr/bin/python3 - "$AUTH_URL" "$BASE" "$ADMIN_PW" "${BASE##*:}" <<'PY' 2>&1
import hashlib, io, json, sys, time, urllib.request
from datetime import datetime, timedelta, timezone
from keystoneauth1 import service_token, session, token_endpoint
from keystoneauth1.identity import v3
from glanceclient import Client
from glanceclient import exc

auth_url, image_url, admin_pw, run = sys.argv[1:5]

def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(auth_url + path, method=method, data=data)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req) as r:
        return r.headers, json.loads(r.read() or b"null")

def password(user, pw, project):
    return v3.Password(auth_url=auth_url, username=user, password=pw, project_name=project,
                       user_domain_name="Default", project_domain_name="Default")

admin = call("POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": admin_pw}}}, "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})[0]["X-Subject-Token"]
roles = {r["name"]: r["id"] for r in call("GET", "/roles", token=admin)[1]["roles"]}
def account(name, role):
    project = call("POST", "/projects", {"project": {"name": name, "domain_id": "default"}}, admin)[1]["project"]["id"]
    user = call("POST", "/users", {"user": {"name": name, "password": name + "-pw", "domain_id": "default"}}, admin)[1]["user"]["id"]
    call("PUT", f"/projects/{project}/users/{user}/roles/{roles[role]}", token=admin)
    return password(name, name + "-pw", name)

owner, nova, other = account(f"snap-owner-{run}", "member"), account(f"nova-{run}", "service"), account(f"not-nova-{run}", "member")
sess = session.Session(auth=owner)
user_token = sess.get_token()
expires = owner.auth_ref.expires
fixed = token_endpoint.Token(image_url, user_token)   # the user's token, as Nova holds it: never renewed
glance = Client("2", session=session.Session(auth=fixed))
image = glance.images.create(name="snapshot", disk_format="raw", container_format="bare")
print(f"ok   - image created with the user token (expires {expires.isoformat()})")

while datetime.now(timezone.utc) < expires + timedelta(seconds=2):
    time.sleep(0.5)
data = bytes(range(256)) * 4096
def upload(client, label, expect_ok):
    try:
        client.images.upload(image.id, io.BytesIO(data))
        print(("ok   - " if expect_ok else "FAIL - ") + label)
    except exc.HTTPUnauthorized as e:
        print(("FAIL - " if expect_ok else "ok   - ") + label + ("" if not expect_ok else f": {e}"))

upload(glance, "the expired user token alone is refused (401)", False)
upload(Client("2", session=session.Session(auth=service_token.ServiceTokenAuthWrapper(user_auth=fixed, service_auth=other))),
       "with a service token that lacks the service role it is refused (401)", False)
wrapped = Client("2", session=session.Session(auth=service_token.ServiceTokenAuthWrapper(user_auth=fixed, service_auth=nova)))
upload(wrapped, "with Nova's service token the upload of the expired user's image completes", True)
shown = wrapped.images.get(image.id)
print(("ok   - " if shown.status == "active" and shown.checksum == hashlib.md5(data).hexdigest() else "FAIL - ")
      + f"the image is active with the uploaded bytes ({shown.status}, {shown.checksum})")
print(("ok   - " if shown.owner == owner.get_project_id(sess) else "FAIL - ") + "the image stays the user's project's")
PY
)
  while IFS= read -r line; do
    case "$line" in
    "ok   - "*) ok "$1: ${line#ok   - }" ;;
    "FAIL - "*) fail "$1: ${line#FAIL - }" ;;
    *) echo "       $line" ;;
    esac
  done <<<"$out"
  grep -q '^ok   - the image stays' <<<"$out" || fail "$1: the scenario ran to its end"
}

start_kura --Identity:TokenLifetime=00:00:15 || { echo "0 passed, 1 failed"; exit 1; }
scenario embedded
stop_kura

ks_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
if ks_env=$(KURA_KEYSTONE_STATE=$KS_STATE KURA_KEYSTONE_TOKEN_EXPIRATION=15 bash "$KURA_ROOT/scripts/keystone.sh" start "$ks_port" 2>"/tmp/kura-keystone-svc.log"); then
  export $ks_env KURA_KEYSTONE_STATE=$KS_STATE
  KURA_CONFORMANCE_IDENTITY=Keystone start_kura || { fail "Kura behind a Keystone with 15-second tokens starts"; summary; exit 1; }
  scenario keystone
else
  fail "a Keystone with 15-second tokens starts" "$(tail -5 /tmp/kura-keystone-svc.log)"
fi
summary
