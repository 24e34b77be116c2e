#!/usr/bin/env bash
# Real-client scenario: the Debian openstack CLI against a freshly started Kura.
# Installs python3-openstackclient if missing, starts Kura on a free loopback port with a temporary data
# directory, and checks every step of an image's life as admin and as a member of another project.
# Prints "N passed, N failed" and exits non-zero on any mismatch.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
apt_install python3-openstackclient openstack || { echo "0 passed, 1 failed"; exit 1; }

trap stop_kura EXIT

start_kura || { echo "0 passed, 1 failed"; exit 1; }

# Admin credentials, exactly as the printed clouds.yaml entry gives them.
mkdir -p "$WORK/osc"
cat >"$WORK/osc/clouds.yaml" <<YAML
clouds:
  kura:
    auth:
      auth_url: $BASE/identity/v3
      username: admin
      password: $ADMIN_PW
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
    image_api_version: 2
    interface: public
  kura-demo:
    auth:
      auth_url: $BASE/identity/v3
      username: demo
      password: demo-pw
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
    image_api_version: 2
YAML
cd "$WORK/osc"   # openstacksdk reads ./clouds.yaml first
unset OS_CLOUD OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_TOKEN
os()   { openstack --os-cloud kura "$@"; }
demo() { openstack --os-cloud kura-demo "$@"; }

# --- identity ---
TOKEN=$(os token issue -f value -c id 2>&1) && [ -n "$TOKEN" ] && ok "token issue" || fail "token issue" "$TOKEN"
check "catalog has an image endpoint" "glance" "$(os catalog list -f value -c Name | grep -x glance)"
PROJECT_ID=$(os project create demo -f value -c id 2>&1); [ ${#PROJECT_ID} -eq 32 ] && ok "project create" || fail "project create" "$PROJECT_ID"
check "project show" "demo" "$(os project show demo -f value -c name 2>&1)"
check "project list" "demo" "$(os project list -f value -c Name | grep -x demo)"
USER_ID=$(os user create --project demo --password demo-pw demo -f value -c id 2>&1); [ ${#USER_ID} -eq 32 ] && ok "user create" || fail "user create" "$USER_ID"
check "user show" "demo" "$(os user show demo -f value -c name 2>&1)"
check "user list" "demo" "$(os user list -f value -c Name | grep -x demo)"
check "role list" "admin member reader" "$(os role list -f value -c Name | sort | xargs)"
os role add --project demo --user demo member >/dev/null 2>&1 && ok "role add" || fail "role add"
check "role assignment list" "member" "$(os role assignment list --project demo --user demo --names -f value -c Role 2>&1)"
os user set --password demo-pw2 demo && os user set --password demo-pw demo && ok "user set --password" || fail "user set --password"

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
check "request with the revoked token" "401" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "$BASE/v2/images")"
check "a fresh token still works" "200" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $ADMIN_TOKEN" "$BASE/v2/images")"

# --- identity clean-up ---
os role remove --project demo --user demo member && ok "role remove" || fail "role remove"
os user delete demo && ok "user delete" || fail "user delete"
os project delete demo && ok "project delete" || fail "project delete"

if grep -q "$ADMIN_PW" "$WORK/kura.log"; then fail "the admin password never appears in the log"; else ok "the admin password never appears in the log"; fi
if grep -q "$ADMIN_TOKEN" "$WORK/kura.log"; then fail "tokens never appear in the log"; else ok "tokens never appear in the log"; fi

summary
