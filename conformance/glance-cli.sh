#!/usr/bin/env bash
# Real-client scenario for python-glanceclient (the `glance` command; Nova and Cinder use the same library):
# it validates every image against /v2/schemas/image, parses HTML error pages, and verifies downloads with
# os_hash_value. Prints "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
apt_install python3-glanceclient glance || { echo "0 passed, 1 failed"; exit 1; }
trap stop_kura EXIT
start_kura || { echo "0 passed, 1 failed"; exit 1; }

export OS_AUTH_URL="$BASE/identity/v3" OS_USERNAME=admin OS_PASSWORD="$ADMIN_PW" OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3 OS_IMAGE_API_VERSION=2
unset OS_CLOUD OS_TOKEN
cd "$WORK" || exit 1
head -c 1048577 /dev/urandom >a.img

ID=$(glance image-create --name g1 --disk-format raw --container-format bare --file a.img 2>&1 | awk '$2=="id"{print $4}')
[ ${#ID} -eq 36 ] && ok "image-create --file" || fail "image-create --file" "$ID"
check "image-show status" "active" "$(glance image-show "$ID" 2>&1 | awk '$2=="status"{print $4}')"
check "image-list" "g1" "$(glance image-list 2>&1 | awk -v id="$ID" '$2==id{print $4}')"
glance image-download --file b.img "$ID" >/dev/null 2>&1 && cmp -s a.img b.img && ok "image-download is byte-identical" || fail "image-download is byte-identical"
check "image-update (PATCH v2.1 from the schema model)" "bar" "$(glance image-update --property foo=bar --name g2 "$ID" 2>&1 | awk '$2=="foo"{print $4}')"
check "renamed" "g2" "$(glance image-show "$ID" 2>&1 | awk '$2=="name"{print $4}')"
glance image-tag-update "$ID" t1 >/dev/null 2>&1 && ok "image-tag-update" || fail "image-tag-update"
glance image-tag-delete "$ID" t1 >/dev/null 2>&1 && ok "image-tag-delete" || fail "image-tag-delete"
check "member-create" "pending" "$(glance member-create "$ID" otherproject 2>&1 | awk '$4=="otherproject"{print $6}')"
check "member-list" "otherproject" "$(glance member-list --image-id "$ID" 2>&1 | awk '$4=="otherproject"{print $4}')"
glance member-delete "$ID" otherproject >/dev/null 2>&1 && ok "member-delete" || fail "member-delete"
glance image-deactivate "$ID" >/dev/null 2>&1 && ok "image-deactivate" || fail "image-deactivate"
glance image-reactivate "$ID" >/dev/null 2>&1 && ok "image-reactivate" || fail "image-reactivate"
OUT=$(glance image-show 00000000-0000-0000-0000-000000000000 2>&1)
[[ "$OUT" == *"404 Not Found"* ]] && ok "a missing image is reported as 404" || fail "a missing image is reported as 404" "$OUT"
glance image-delete "$ID" >/dev/null 2>&1 && ok "image-delete" || fail "image-delete"
check "nothing left" "" "$(glance image-list 2>&1 | awk -v id="$ID" '$2==id')"
summary
