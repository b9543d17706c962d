#!/usr/bin/env python3
"""How fast can SQLite itself write contacts into Peyvand's schema, with no application at all?

The import benchmark (`peyvand bench --import-rows N`) compares the import with a raw insert
through the application's own store. This script answers the question under both: it copies
real contact rows (and their identifiers) out of a database filled by `peyvand demo`, then
writes N of them, with fresh ids, into a new database built from the migrations in this repo,
in 10 000-row transactions of multi-row INSERTs, with the same pragmas as the server and its
foreign keys checked (the source's users and companies are copied in first). It runs
in C through apsw, so no Rust, sqlx or validation cost is in the figure: it is the ceiling any
import into this schema can reach on this machine.

Variants take parts of the schema away, to show what each costs:
  full            the schema as it is: contacts, its indexes, search triggers, identifiers
  no_identifiers  contacts only (what `peyvand bench --import-rows` calls the raw insert)
  no_search       no full-text search index
  bare            no search, no secondary indexes on contacts (identifiers kept)
  bare_only       no search, no secondary indexes, no identifiers: the table alone

Usage:
  pip install apsw
  peyvand demo --contacts 20000 --data-dir /tmp/floor-source
  python3 scripts/sqlite_floor.py --source /tmp/floor-source/peyvand.db [--rows 100000] [VARIANT ...]
"""

import argparse
import glob
import os
import struct
import tempfile
import time

import apsw

MIGRATIONS = sorted(
    glob.glob(os.path.join(os.path.dirname(__file__), "..", "crates", "store", "migrations", "sqlite", "*.sql"))
)
# As the server opens SQLite (crates/store/src/db.rs); read back in the form SQLite reports.
SERVER_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 1,  # NORMAL
    "foreign_keys": 1,
    "temp_store": 2,  # MEMORY
    "cache_size": -16000,
}
BATCH = 10_000
MAX_PARAMS = 30_000  # as crates/store/src/imports.rs

NO_SEARCH = ["DROP TRIGGER contacts_search_insert"]
NO_INDEXES = [
    "DROP INDEX contacts_owner",
    "DROP INDEX contacts_company",
    "DROP INDEX contacts_live_last_name",
    "DROP INDEX contacts_live_first_name",
]
VARIANTS = {
    "full": ([], True),
    "no_identifiers": ([], False),
    "no_search": (NO_SEARCH, True),
    "bare": (NO_SEARCH + NO_INDEXES, True),
    "bare_only": (NO_SEARCH + NO_INDEXES, False),
}


def load_source(path):
    src = apsw.Connection(path, flags=apsw.SQLITE_OPEN_READONLY)
    columns = [r[1] for r in src.execute("PRAGMA table_info(contacts)")]
    rows = list(src.execute("SELECT * FROM contacts WHERE deleted_at IS NULL"))
    identifiers = {}
    for kind, value, record_id in src.execute(
        "SELECT kind, value, record_id FROM record_identifiers WHERE record_type = 'contact'"
    ):
        identifiers.setdefault(record_id, []).append((kind, value))
    if not rows:
        raise SystemExit(f"{path} has no contacts: fill it with `peyvand demo` first")
    return columns, rows, identifiers


def time_ordered_ids():
    """16-byte ids that grow like UUIDv7, as the application's do."""
    n = 0
    while True:
        n += 1
        yield struct.pack(">QQ", 0x019ABC0000000000 + n, (n * 2654435761) % (1 << 64))


def measure(name, source, source_path, rows_wanted, folder):
    columns, rows, identifiers = source
    drops, with_identifiers = VARIANTS[name]
    path = os.path.join(folder, f"{name}.db")
    db = apsw.Connection(path)
    # One statement per call: apsw stops a multi-statement execute at the first row returned,
    # and `journal_mode` returns one. These are the server's settings (crates/store/src/db.rs).
    for pragma, value in SERVER_PRAGMAS.items():
        if pragma == "foreign_keys":
            continue  # after the setup below
        for _ in db.execute(f"PRAGMA {pragma} = {value}"):
            pass
        now = db.execute(f"PRAGMA {pragma}").fetchall()[0][0]
        assert str(now).lower() == str(value).lower(), f"PRAGMA {pragma} is {now}, not {value}"
    for migration in MIGRATIONS:
        with open(migration, encoding="utf-8") as f:
            db.execute(f.read())
    # The people and companies the contacts point at, so the foreign keys are checked as on the
    # server (copied before foreign keys are switched on).
    db.execute("ATTACH DATABASE ? AS source", (source_path,))
    for table in ("roles", "users", "companies"):
        db.execute(f"INSERT OR IGNORE INTO {table} SELECT * FROM source.{table}")
    db.execute("DETACH DATABASE source")
    for statement in drops:
        db.execute(statement)
    db.execute("PRAGMA foreign_keys = 1")
    assert db.execute("PRAGMA foreign_keys").fetchall()[0][0] == 1

    id_at = columns.index("id")
    ids = time_ordered_ids()
    batches = []
    for start in range(0, rows_wanted, BATCH):
        contacts, idents = [], []
        for i in range(start, min(start + BATCH, rows_wanted)):
            row = list(rows[i % len(rows)])
            old_id, row[id_at] = row[id_at], next(ids)
            contacts.append(row)
            for kind, value in identifiers.get(old_id, []):
                # Repeated source rows must not collide on identifiers.
                idents.append((kind, f"{i}.{value}", "contact", row[id_at]))
        batches.append((contacts, idents))

    width = len(columns)
    per = MAX_PARAMS // width
    insert_head = f"INSERT INTO contacts ({', '.join(columns)}) VALUES "
    one_row = "(" + ", ".join("?" * width) + ")"
    started = time.perf_counter()
    for contacts, idents in batches:
        db.execute("BEGIN")
        for k in range(0, len(contacts), per):
            part = contacts[k : k + per]
            db.execute(insert_head + ", ".join([one_row] * len(part)), [v for r in part for v in r])
        if with_identifiers:
            for k in range(0, len(idents), MAX_PARAMS // 4):
                part = idents[k : k + MAX_PARAMS // 4]
                db.execute(
                    "INSERT INTO record_identifiers (kind, value, record_type, record_id) VALUES "
                    + ", ".join(["(?, ?, ?, ?)"] * len(part))
                    + " ON CONFLICT DO NOTHING",
                    [v for r in part for v in r],
                )
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    print(f"{name:15} {rows_wanted / seconds:9.0f} rows/s  ({seconds:.2f} s for {rows_wanted} rows)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, help="a peyvand.db filled by `peyvand demo`")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("variants", nargs="*", metavar="VARIANT", help=", ".join(VARIANTS))
    args = parser.parse_args()
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant {', '.join(unknown)}: choose from {', '.join(VARIANTS)}")
    variants = args.variants or list(VARIANTS)
    source = load_source(args.source)
    print(f"SQLite {apsw.sqlite_lib_version()}, {len(source[1])} source contacts, {args.rows} rows per run")
    with tempfile.TemporaryDirectory() as folder:
        for name in variants:
            measure(name, source, args.source, args.rows, folder)


if __name__ == "__main__":
    main()
