#!/usr/bin/python3
"""Seeds a real Glance's SQLite database (Glance's own schema, after `glance-manage db_sync`) with N image records
for bench/glance.sh: exactly the records bench/seed.py generates for Kura (same ids, names, owners, visibilities,
statuses, sizes, hashes, timestamps, tags, properties and members), taken from seed.py's tab-separated output (the
`tsv:DIR` mode that bench/api.sh loads into PostgreSQL) and written into Glance's tables images, image_properties,
image_tags, image_members and image_locations.

Usage: glance-seed.py DB N PROJECT[,PROJECT...] STORE_DIR VIEWER
Records only: no image data; images with a size get a file-store location (STORE_DIR/<id>, store file1), as an upload
would have left.
Prints one line: the number of images, then (for project VIEWER, in Glance's default listing order: created_at desc,
id desc; visible = public + owned + shared-and-accepted, as Glance's sqlalchemy API selects them) the id of the first
image, the first id of the last page of 1,000 (bench/api.sh's deep marker), the number of visible images, and the id
just before the deep marker (to check the order through the API; - when there is only one page).
"""
import datetime, json, os, sqlite3, subprocess, sys, tempfile

db, n, projects, store, viewer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
epoch = datetime.datetime(1970, 1, 1)


def when(us):  # seed.py's microseconds since the epoch -> SQLAlchemy's SQLite DATETIME text
    return (epoch + datetime.timedelta(microseconds=int(us))).strftime("%Y-%m-%d %H:%M:%S.%f")


def rows(directory, name, width):
    with open(os.path.join(directory, name + ".tsv")) as f:
        for line in f:
            row = [None if v == "\\N" else v for v in line.rstrip("\n").split("\t")]
            if len(row) < width:
                sys.exit(f"glance-seed.py: {name}.tsv from bench/seed.py has {len(row)} columns, expected {width}+")
            yield row[:width]


with tempfile.TemporaryDirectory() as tsv:
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed.py"),
                    "tsv:" + tsv, str(n), projects], check=True, stdout=subprocess.DEVNULL)
    images, locations, created = [], [], {}
    loc_meta = json.dumps({"store": "file1"})
    # id, name, disk_format, container_format, visibility, size, virtual_size, status, checksum, os_hash_algo,
    # os_hash_value, protected, min_ram, min_disk, owner, os_hidden, created_at, updated_at, location
    for (iid, name, disk_format, container_format, visibility, size, virtual_size, status, checksum, algo, hash_value,
         protected, min_ram, min_disk, owner, os_hidden, created_at, updated_at, location) in rows(tsv, "images", 19):
        t, u = when(created_at), when(updated_at)
        created[iid] = t
        images.append((iid, name, size, status, t, u, None, 0, disk_format, container_format, checksum, owner,
                       int(min_disk), int(min_ram), int(protected == "t"), virtual_size, visibility,
                       int(os_hidden == "t"), algo, hash_value))
        if location is not None:
            locations.append((iid, f"file://{store}/{iid}", t, t, None, 0, loc_meta, "active"))
    props = [(iid, key, value, created[iid], created[iid], None, 0)
             for iid, _, key, value in rows(tsv, "image_properties", 4)]
    tags = [(iid, value, created[iid], created[iid], None, 0) for iid, value in rows(tsv, "image_tags", 2)]
    members = [(iid, member, 0, when(c), when(u), None, 0, status)
               for iid, member, status, c, u in rows(tsv, "image_members", 5)]

con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.executemany("""INSERT INTO images (id, name, size, status, created_at, updated_at, deleted_at, deleted, disk_format,
    container_format, checksum, owner, min_disk, min_ram, protected, virtual_size, visibility, os_hidden, os_hash_algo,
    os_hash_value) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", images)
con.executemany("""INSERT INTO image_properties (image_id, name, value, created_at, updated_at, deleted_at, deleted)
    VALUES (?,?,?,?,?,?,?)""", props)
con.executemany("""INSERT INTO image_tags (image_id, value, created_at, updated_at, deleted_at, deleted)
    VALUES (?,?,?,?,?,?)""", tags)
con.executemany("""INSERT INTO image_members (image_id, member, can_share, created_at, updated_at, deleted_at, deleted,
    status) VALUES (?,?,?,?,?,?,?,?)""", members)
con.executemany("""INSERT INTO image_locations (image_id, value, created_at, updated_at, deleted_at, deleted, meta_data,
    status) VALUES (?,?,?,?,?,?,?,?)""", locations)
con.commit()
con.execute("ANALYZE")
visible = [r[0] for r in con.execute("""
    SELECT id FROM images i WHERE deleted = 0 AND os_hidden = 0 AND (
        visibility = 'public' OR owner = :p OR (visibility = 'shared' AND EXISTS (
            SELECT 1 FROM image_members m WHERE m.image_id = i.id AND m.member = :p AND m.deleted = 0
            AND m.status = 'accepted')))
      AND (owner = :p OR visibility != 'community')
    ORDER BY created_at DESC, id DESC""", {"p": viewer})]
con.close()
last_page = (len(visible) - 1) // 1000 * 1000
print(len(images), visible[0], visible[last_page], len(visible), visible[last_page - 1] if last_page else "-")
