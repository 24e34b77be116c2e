#!/usr/bin/env bash
# Real-client scenario for the embedded identity beyond projects and users (issue 22): the Debian openstack CLI
# against a freshly started Kura (SQLite, or PostgreSQL with KURA_CONFORMANCE_DATABASE=Postgres).
#   groups: create, add user, role add --group … --project …, effective assignments, a member's token from the group
#   a user's own password: openstack user password set (the old password stops working, a wrong original is refused)
#   application credentials: create, list, show, a clouds.yaml with auth_type v3applicationcredential listing images,
#     a restricted credential cannot make another, delete (its token stops working)
#   domain scope: openstack token issue --os-domain-name Default; such a token is refused on /v2 with a 403
# Prints "N passed, N failed" and exits non-zero on any mismatch.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
apt_install python3-openstackclient openstack || { echo "0 passed, 1 failed"; exit 1; }

trap 'stop_kura' EXIT
start_kura || { echo "0 passed, 1 failed"; exit 1; }
TEAM="team-${BASE##*:}"

# cloud NAME USER PASSWORD PROJECT: one password clouds.yaml entry.
cloud() {
  printf '  %s:\n    auth:\n      auth_url: %s\n      username: %s\n      password: %s\n      project_name: %s\n' "$1" "$AUTH_URL" "$2" "$3" "$4"
  printf '      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n'
  printf '    identity_api_version: 3\n    image_api_version: 2\n    interface: public\n'
}
mkdir -p "$WORK/osc"
cd "$WORK/osc"   # openstacksdk reads ./clouds.yaml first
write_clouds() {
  {
    echo "clouds:"
    cloud kura admin "$ADMIN_PW" admin
    cloud kura-alice alice "$ALICE_PW" "$TEAM"
    cloud kura-bob bob bob-pw "$TEAM"
    if [ -n "${AC_ID:-}" ]; then
      printf '  kura-ac:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %s\n' "$AUTH_URL"
      printf '      application_credential_id: %s\n      application_credential_secret: %s\n' "$AC_ID" "$AC_SECRET"
      printf '    region_name: RegionOne\n    identity_api_version: 3\n    image_api_version: 2\n    interface: public\n'
    fi
  } >"$WORK/osc/clouds.yaml"
}
ALICE_PW=alice-pw
write_clouds
unset OS_CLOUD OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME OS_TOKEN OS_DOMAIN_NAME
os()    { openstack --os-cloud kura "$@"; }
alice() { openstack --os-cloud kura-alice "$@"; }
bob()   { openstack --os-cloud kura-bob "$@"; }
# refused NAME CODE COMMAND...: the command fails and its output names the HTTP status CODE.
refused() {
  local name=$1 code=$2 out; shift 2
  if out=$("$@" 2>&1); then fail "$name" "succeeded: $out"; elif grep -q "$code" <<<"$out"; then ok "$name"; else fail "$name" "$out"; fi
}
status() { curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $1" "$BASE/$2"; }

# --- set-up: a project and two users with no role on it ---
PROJECT_ID=$(os project create "$TEAM" -f value -c id 2>&1); [ ${#PROJECT_ID} -eq 32 ] && ok "project create" || fail "project create" "$PROJECT_ID"
ALICE_ID=$(os user create --password alice-pw alice -f value -c id 2>&1); [ ${#ALICE_ID} -eq 32 ] && ok "user create alice" || fail "user create alice" "$ALICE_ID"
os user create --password bob-pw bob -f value -c id >/dev/null 2>&1 && ok "user create bob" || fail "user create bob"
refused "without a role alice gets no token for the project" 401 alice token issue

# --- groups ---
GROUP_ID=$(os group create --description operators ops -f value -c id 2>&1); [ ${#GROUP_ID} -eq 32 ] && ok "group create" || fail "group create" "$GROUP_ID"
check "group show" "operators" "$(os group show ops -f value -c description 2>&1)"
check "group list" "ops" "$(os group list -f value -c Name 2>&1)"
os group add user ops alice >/dev/null 2>&1 && ok "group add user alice" || fail "group add user alice"
os group add user ops bob >/dev/null 2>&1 && ok "group add user bob" || fail "group add user bob"
os group contains user ops alice >/dev/null 2>&1 && ok "group contains user" || fail "group contains user"
check "group list --user" "ops" "$(os group list --user alice -f value -c Name 2>&1)"
os role add --group ops --project "$TEAM" member >/dev/null 2>&1 && ok "role add --group --project" || fail "role add --group --project"
check "role assignment list --group" "member ops@Default $TEAM@Default" \
  "$(os role assignment list --group ops --names -f value -c Role -c Group -c Project 2>&1 | xargs)"
check "role assignment list --effective names alice through the group" "member alice@Default $TEAM@Default" \
  "$(os role assignment list --user alice --effective --names -f value -c Role -c User -c Project 2>&1 | xargs)"
TOKEN_PROJECT=$(alice token issue -f value -c project_id 2>&1)
check "alice's token for the project comes from the group's role" "$PROJECT_ID" "$TOKEN_PROJECT"
IMG=$(alice image create --disk-format raw --container-format bare --private team-image -f value -c id 2>&1)
[ ${#IMG} -eq 36 ] && ok "the group's member role creates an image" || fail "the group's member role creates an image" "$IMG"
check "bob sees the project's image" "team-image" "$(bob image list -f value -c Name 2>&1)"
BOB_TOKEN=$(bob token issue -f value -c id 2>&1)
os group remove user ops bob >/dev/null 2>&1 && ok "group remove user" || fail "group remove user"
check "bob's token stops working when he leaves the group" "401" "$(status "$BOB_TOKEN" v2/images)"
refused "a member cannot create groups" 403 alice group create mine

# --- a user's own password ---
refused "a wrong original password is refused" 401 alice user password set --password x --original-password wrong
ALICE_TOKEN=$(alice token issue -f value -c id 2>&1)
alice user password set --password alice-pw2 --original-password alice-pw >/dev/null 2>&1 && ok "user password set" || fail "user password set"
check "the password change revokes alice's tokens" "401" "$(status "$ALICE_TOKEN" v2/images)"
refused "the old password no longer works" 401 alice token issue
ALICE_PW=alice-pw2
write_clouds
sleep 1
check "the new password works" "team-image" "$(alice image list -f value -c Name 2>&1)"

# --- application credentials ---
AC_SECRET=$(alice application credential create --role member --description "for CI" ci -f value -c secret 2>&1)
[ ${#AC_SECRET} -ge 40 ] && ok "application credential create" || fail "application credential create" "$AC_SECRET"
AC_ID=$(alice application credential show ci -f value -c id 2>&1)
check "application credential show" "$PROJECT_ID member" "$(alice application credential show ci -f value -c project_id -c roles 2>&1 | xargs)"
check "application credential list" "ci" "$(alice application credential list -f value -c Name 2>&1)"
check "the secret is shown only once" "" "$(alice application credential show ci -f json 2>&1 | grep -o '"secret"')"
os role add --project "$TEAM" --user bob reader >/dev/null 2>&1 && ok "role add --project --user (bob reads)" || fail "role add --project --user (bob reads)"
refused "bob, a reader of the same project, cannot see alice's credentials" 403 bob application credential list --user alice
check "the admin can" "ci" "$(os application credential list --user alice -f value -c Name 2>&1)"
write_clouds
check "clouds.yaml with auth_type v3applicationcredential lists images" "team-image" "$(openstack --os-cloud kura-ac image list -f value -c Name 2>&1)"
check "its token is for the credential's project" "$PROJECT_ID" "$(openstack --os-cloud kura-ac token issue -f value -c project_id 2>&1)"
AC_TOKEN=$(openstack --os-cloud kura-ac token issue -f value -c id 2>&1)
refused "a restricted credential cannot make another" 403 openstack --os-cloud kura-ac application credential create more
alice application credential delete ci >/dev/null 2>&1 && ok "application credential delete" || fail "application credential delete"
check "a deleted credential's token stops working" "401" "$(status "$AC_TOKEN" v2/images)"
refused "a deleted credential no longer authenticates" 40 openstack --os-cloud kura-ac image list

# --- domain scope ---
domain_token() {
  openstack --os-auth-url "$AUTH_URL" --os-identity-api-version 3 --os-username "$1" --os-password "$2" \
    --os-user-domain-name Default --os-domain-name Default token issue -f value -c "$3"
}
check "token issue --os-domain-name Default" "default" "$(domain_token admin "$ADMIN_PW" domain_id 2>&1)"
DOMAIN_TOKEN=$(domain_token admin "$ADMIN_PW" id 2>&1)
check "a domain-scoped token is refused on /v2 (the image API is project-scoped)" "403" "$(status "$DOMAIN_TOKEN" v2/images)"
check "a domain-scoped admin token administers identity" "200" "$(status "$DOMAIN_TOKEN" identity/v3/groups)"
refused "without a role on the domain alice gets no domain token" 401 domain_token alice alice-pw2 id
os role add --domain Default --user alice reader >/dev/null 2>&1 && ok "role add --domain --user" || fail "role add --domain --user"
check "with it she does" "default" "$(domain_token alice alice-pw2 domain_id 2>&1)"
check "role assignment list --domain" "reader alice@Default" "$(os role assignment list --domain Default --user alice --names -f value -c Role -c User 2>&1 | xargs)"

# --- clean-up ---
os group delete ops >/dev/null 2>&1 && ok "group delete" || fail "group delete"
refused "alice's role came from the deleted group" 401 alice token issue
if grep -q "$AC_SECRET" "$WORK/kura.log"; then fail "the credential's secret never appears in the log"; else ok "the credential's secret never appears in the log"; fi
if grep -q "alice-pw2" "$WORK/kura.log"; then fail "passwords never appear in the log"; else ok "passwords never appear in the log"; fi

summary
