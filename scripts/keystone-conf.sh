# keystone_conf DIR EXPIRATION: writes DIR/etc/keystone.conf for a throw-away Keystone whose state lives in DIR
# (SQLite database, fernet and credential keys, log), tokens valid EXPIRATION seconds, no cache. Sourced by
# scripts/keystone.sh and bench/glance.sh (../shared/reference/glance-observed.md §2.2).
keystone_conf() {
    local dir=$1 expiration=$2
    mkdir -p "$dir"/{etc,fernet-keys,credential-keys}
    printf '%s\n' "[DEFAULT]" "log_file = $dir/keystone.log" "debug = false" \
        "[database]" "connection = sqlite:///$dir/keystone.db" \
        "[token]" "provider = fernet" "expiration = $expiration" \
        "[fernet_tokens]" "key_repository = $dir/fernet-keys" \
        "[credential]" "key_repository = $dir/credential-keys" \
        "[cache]" "enabled = false" >"$dir/etc/keystone.conf"
}
