"""The reference provincial API (server side of `central_api_client`'s contract).

    cli.py            `provincial-api`: serve, openapi, open, list, import, devices
    app.py            create_app: assembles the pieces below
    routes.py         the operations (PUT, batch, GET, device listing, health)
    auth.py           RFC 9421 request authentication, development enrolment
    ingest.py         verify + store records: the one path of PUT, batch and import
    models.py         pydantic bodies, generated from central_api_client.records
    errors.py         ApiProblem, ErrorBody, the error handlers
    middleware.py     the body limit
    domain.py         Device, ConflictError, DeviceExistsError, the Store/Registry Protocols
    backend.py        the one reader of --db: opens SQLite or PostgreSQL adapters
    group_commit.py   the writer thread both stores share (one durable commit per group)
    record_reads.py   the reads both stores share (the same SQL; only the parameter mark differs)
    sqlite_db.py  sqlite_store.py  sqlite_registry.py    SQLite adapters
    pg_db.py      pg_store.py      pg_registry.py        PostgreSQL adapters

Nothing here imports `kiosk`: the server installs without it (`pip install '.[server]'`).
"""
