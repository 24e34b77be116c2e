#!/usr/bin/env bash
# Helpers the wrk benchmarks share (bench/api.sh, bench/glance.sh, bench/load.sh). Only definitions: sourcing it
# starts, installs or writes nothing.

# write_create_lua FILE TOKEN: a wrk script that creates one small image record (POST /v2/images) per request.
write_create_lua() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["X-Auth-Token"] = "$2"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name": "bench-create", "disk_format": "raw", "container_format": "bare", "os_type": "linux"}'
LUA
}

# lua_load_ids FILE: the Lua lines that read FILE (one image id a line) into the table ids.
lua_load_ids() {
  printf 'local ids = {}\nfor line in io.lines("%s") do ids[#ids + 1] = line end\n' "$1"
}
