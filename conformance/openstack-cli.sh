#!/usr/bin/env bash
# Real-client scenario: the Debian openstack CLI against a freshly started Kura.
# Installs python3-openstackclient if missing, starts Kura on a free loopback port with a temporary data
# directory, and checks every step of an image's life as admin, as a member of another project and as a reader.
# With KURA_CONFORMANCE_IDENTITY=Keystone every token is the real Keystone's and its catalog names Kura (lib.sh).
# Kura runs with a policy file that makes communitize_image admin-only, and the script checks that decision.
# Prints "N passed, N failed" and exits non-zero on any mismatch.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
apt_install python3-openstackclient openstack || { echo "0 passed, 1 failed"; exit 1; }

trap 'stop_kura; rm -f "${POLICY:-}"' EXIT

POLICY=$(mktemp /tmp/kura-policy.XXXXXX.yaml)
printf '%s\n' '# Only an admin may make an image community (Glance: the owner'"'"'s member may).' '"communitize_image": "role:admin"' >"$POLICY"
KURA_CONFORMANCE_TOKEN_CACHE=00:00:02 start_kura "--Policy:File=$POLICY" || { echo "0 passed, 1 failed"; exit 1; }
DEMO="demo-${BASE##*:}"
READER="reader-${BASE##*:}"

# Admin credentials, exactly as the printed clouds.yaml entry gives them; the member and the reader alike.
# cloud NAME USER PASSWORD PROJECT: one clouds.yaml entry.
cloud() {
  printf '  %s:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n' "$1" "$AUTH_URL" "$2" "$3" "$4"
  printf '      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n'
  printf '    identity_api_version: 3\n    image_api_version: 2\n    interface: public\n'
}
mkdir -p "$WORK/osc"
{
  echo "clouds:"
  cloud kura admin "$ADMIN_PW" admin
  cloud kura-demo "$DEMO" demo-pw "$DEMO"
  cloud kura-reader "$READER" reader-pw "$DEMO"
} >"$WORK/osc/clouds.yaml"
cd "$WORK/osc"   # openstacksdk reads ./clouds.yaml first
unset OS_CLOUD OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_TOKEN
os()   { openstack --os-cloud kura "$@"; }
demo() { openstack --os-cloud kura-demo "$@"; }
reader() { openstack --os-cloud kura-reader "$@"; }
# refused NAME COMMAND...: the command fails with a 403.
refused() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then fail "$name" "succeeded: $out"; elif grep -q 403 <<<"$out"; then ok "$name"; else fail "$name" "$out"; fi
}

# --- identity ---
TOKEN=$(os token issue -f value -c id 2>&1) && [ -n "$TOKEN" ] && ok "token issue" || fail "token issue" "$TOKEN"
check "catalog has an image endpoint" "glance" "$(os catalog list -f value -c Name | grep -x glance)"
PROJECT_ID=$(os project create $DEMO -f value -c id 2>&1); [ ${#PROJECT_ID} -eq 32 ] && ok "project create" || fail "project create" "$PROJECT_ID"
check "project show" "$DEMO" "$(os project show $DEMO -f value -c name 2>&1)"
check "project list" "$DEMO" "$(os project list -f value -c Name | grep -x $DEMO)"
USER_ID=$(os user create --project $DEMO --password demo-pw $DEMO -f value -c id 2>&1); [ ${#USER_ID} -eq 32 ] && ok "user create" || fail "user create" "$USER_ID"
check "user show" "$DEMO" "$(os user show $DEMO -f value -c name 2>&1)"
check "user list" "$DEMO" "$(os user list -f value -c Name | grep -x $DEMO)"
check "role list" "admin member reader service" "$(os role list -f value -c Name | sort | xargs)"
os role add --project $DEMO --user $DEMO member >/dev/null 2>&1 && ok "role add" || fail "role add"
check "role assignment list" "member" "$(os role assignment list --project $DEMO --user $DEMO --names -f value -c Role 2>&1)"
os user set --password demo-pw2 $DEMO && os user set --password demo-pw $DEMO && ok "user set --password" || fail "user set --password"

# --- an image's life as admin ---
head -c 3145728 /dev/urandom >x.img
ID=$(os image create --file x.img --disk-format raw --container-format bare t -f value -c id 2>&1)
[ ${#ID} -eq 36 ] && ok "image create --file" || fail "image create --file" "$ID"
check "image list shows t active" "t active" "$(os image list -f value -c Name -c Status | grep '^t ')"
check "image show status" "active" "$(os image show t -f value -c status)"
check "image show size" "3145728" "$(os image show t -f value -c size)"
check "image show checksum" "$(md5sum <x.img | cut -d' ' -f1)" "$(os image show t -f value -c checksum)"
os image save --file y.img t && ok "image save" || fail "image save"
cmp -s x.img y.img && ok "saved bytes are identical" || fail "saved bytes are identical"
head -c 100000 /dev/urandom >p.img
PID=$(cat p.img | os image create --disk-format raw --container-format bare --private piped -f value -c id 2>&1)
[ ${#PID} -eq 36 ] && ok "image create from a pipe" || fail "image create from a pipe" "$PID"
check "piped image size" "100000" "$(os image show piped -f value -c size)"
os image save --file q.img piped && cmp -s p.img q.img && ok "piped image round-trips" || fail "piped image round-trips"

# --- as a member of another project ---
check "member does not see admin's private image" "" "$(demo image list -f value -c Name | grep -x piped)"
OUT=$(demo image show piped 2>&1) && fail "member cannot show admin's private image" "$OUT" || ok "member cannot show admin's private image"
OUT=$(demo image delete "$PID" 2>&1) && fail "member cannot delete admin's private image" "$OUT" || ok "member cannot delete admin's private image"
head -c 4096 /dev/urandom >m.img
MID=$(demo image create --file m.img --disk-format raw --container-format bare --private mine -f value -c id 2>&1)
[ ${#MID} -eq 36 ] && ok "member image create" || fail "member image create" "$MID"
check "member sees own image" "mine" "$(demo image list -f value -c Name | grep -x mine)"
check "member image owner" "$PROJECT_ID" "$(demo image show mine -f value -c owner)"
demo image save --file n.img mine && cmp -s m.img n.img && ok "member image round-trips" || fail "member image round-trips"

# --- the policy file: communitize_image is admin-only here ---
refused "policy file: a member may not make an image community" demo image set --community mine
os image set --community "$MID" && ok "policy file: an admin may" || fail "policy file: an admin may"
check "the admin made it community" "community" "$(os image show "$MID" -f value -c visibility)"
demo image set --private mine && ok "member makes it private again" || fail "member makes it private again"

# --- a reader of the same project: reads, every write is 403 ---
os user create --project $DEMO --password reader-pw $READER >/dev/null 2>&1 && os role add --project $DEMO --user $READER reader >/dev/null 2>&1 \
  && ok "reader created" || fail "reader created"
check "reader lists the project's image" "mine" "$(reader image list -f value -c Name | grep -x mine)"
check "reader shows the project's image" "active" "$(reader image show mine -f value -c status 2>&1)"
refused "reader cannot create an image" reader image create --disk-format raw --container-format bare nope
refused "reader cannot change an image" reader image set --name renamed mine
refused "reader cannot tag an image" reader image set --tag t mine
RTOKEN=$(reader token issue -f value -c id 2>&1)
check "reader cannot download (download_image wants a member)" "403" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $RTOKEN" "$BASE/v2/images/$MID/file")"
refused "reader cannot delete an image" reader image delete mine
os user delete $READER >/dev/null 2>&1

# --- sharing: admin shares an image with the member's project, the member accepts and downloads it ---
SID=$(os image create --file x.img --disk-format raw --container-format bare --shared shared-one -f value -c id 2>&1)
[ ${#SID} -eq 36 ] && ok "shared image create" || fail "shared image create" "$SID"
os image add project "$SID" "$PROJECT_ID" >/dev/null && ok "image add project" || fail "image add project"
demo image set --accept "$SID" && ok "member accepts the share" || fail "member accepts the share"
check "member lists the accepted image" "shared-one" "$(demo image list -f value -c Name | grep -x shared-one)"
demo image save --file s.img "$SID" && cmp -s x.img s.img && ok "member downloads the shared image" || fail "member downloads the shared image"
refused "member cannot delete the image shared with it" demo image delete "$SID"
os image delete "$SID" && ok "shared image delete" || fail "shared image delete"

demo image delete mine && ok "member image delete" || fail "member image delete"

# --- delete ---
os image delete t piped && ok "image delete" || fail "image delete"
check "no images left" "" "$(os image list -f value -c ID)"

# --- tokens ---
check "request without a token" "401" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v2/images")"
check "request with a bad token" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Auth-Token: nope' "$BASE/v2/images")"
check "request with the issued token" "200" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$BASE/v2/images")"
ADMIN_TOKEN=$(os token issue -f value -c id)
os token revoke "$TOKEN" && ok "token revoke" || fail "token revoke"
# Behind Keystone, Kura trusts a validated token for its cache time (2 s here, keystonemiddleware's token_cache_time).
[ "${KURA_CONFORMANCE_IDENTITY:-Embedded}" = Keystone ] && sleep 3
check "request with the revoked token" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$BASE/v2/images")"
check "a fresh token still works" "200" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $ADMIN_TOKEN" "$BASE/v2/images")"

# --- identity clean-up ---
os role remove --project $DEMO --user $DEMO member && ok "role remove" || fail "role remove"
os user delete $DEMO && ok "user delete" || fail "user delete"
os project delete $DEMO && ok "project delete" || fail "project delete"

if grep -q "$ADMIN_PW" "$WORK/kura.log"; then fail "the admin password never appears in the log"; else ok "the admin password never appears in the log"; fi
if grep -q "$ADMIN_TOKEN" "$WORK/kura.log"; then fail "tokens never appear in the log"; else ok "tokens never appear in the log"; fi

summary
