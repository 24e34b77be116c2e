#!/usr/bin/env python3
"""Seeds Kura's database with N image records for bench/api.sh.

Usage: seed.py DB N PROJECT[,PROJECT...]
DB is the SQLite file, or tsv:DIR to write tab-separated files (images, image_properties, image_tags,
image_members) for PostgreSQL's COPY.
Images are spread over the projects (the first one gets a quarter), with mixed visibilities and statuses, two
tags, two extra properties (os_type, os_distro) and, for shared images, a member. Records only: no image data.
"""
import json, os, random, sqlite3, sys, time, uuid

db, n, projects = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
rng = random.Random(42)
now = int(time.time() * 1_000_000) - n * 1000
vis = ["private", "shared", "public", "community", "shared", "private"]
statuses = ["active"] * 8 + ["queued", "deactivated"]
images, props, tags, members = [], [], [], []
for i in range(n):
    iid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    owner = projects[0] if i % 4 == 0 else rng.choice(projects[1:] or projects)
    v = vis[i % len(vis)]
    st = statuses[i % len(statuses)]
    size = rng.randint(1, 40) << 26 if st != "queued" else None
    t = now + i * 1000
    row_props = [(iid, 0, "os_type", "linux" if i % 3 else "windows"), (iid, 1, "os_distro", rng.choice(["ubuntu", "debian", "centos", "fedora"]))]
    row_tags = [(iid, "bench"), (iid, f"t{i % 50}")]
    # properties_json / tags_json: the row's own copies of its children (Kura.Storage.Relational.ImageChildrenJson)
    images.append((iid, f"image-{i:07d}", "qcow2", "bare", v, size, size, st,
                   "%032x" % rng.getrandbits(128) if size else None, "sha512" if size else None,
                   "%0128x" % rng.getrandbits(512) if size else None, 0, 0, 0, owner, 0, t, t,
                   iid if size else None,
                   json.dumps([[p[2], p[3]] for p in row_props], separators=(",", ":")),
                   json.dumps(sorted(tg[1] for tg in row_tags), separators=(",", ":"))))
    props += row_props
    tags += row_tags
    if v == "shared":
        members.append((iid, rng.choice(projects), rng.choice(["accepted", "pending"]), t, t))
if db.startswith("tsv:"):
    out = db[4:]
    def dump(name, rows):
        with open(os.path.join(out, name + ".tsv"), "w") as f:
            for row in rows:
                f.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    # protected and os_hidden are booleans in PostgreSQL
    dump("images", [r[:11] + ("f",) + r[12:15] + ("f",) + r[16:] for r in images])
    dump("image_properties", props)
    dump("image_tags", tags)
    dump("image_members", {(m[0], m[1]): m for m in members}.values())
    print(len(images))
    sys.exit(0)
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.executemany("""INSERT INTO images (id, name, disk_format, container_format, visibility, size, virtual_size, status,
    checksum, os_hash_algo, os_hash_value, protected, min_ram, min_disk, owner, os_hidden, created_at, updated_at, location,
    properties_json, tags_json)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", images)
con.executemany("INSERT INTO image_properties (image_id, position, name, value) VALUES (?,?,?,?)", props)
con.executemany("INSERT INTO image_tags (image_id, value) VALUES (?,?)", tags)
con.executemany("INSERT OR IGNORE INTO image_members (image_id, member, status, created_at, updated_at) VALUES (?,?,?,?,?)", members)
con.commit()
con.execute("ANALYZE")
con.close()
print(len(images))
