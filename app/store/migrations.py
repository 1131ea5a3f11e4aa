"""The schema, as numbered migrations: migration i takes a database from version i to i + 1 (SQLite's
`PRAGMA user_version` holds the version). Append, never edit: a server finds its old database and brings it
up to date in one transaction at start."""

MIGRATIONS: list[tuple[str, ...]] = [
    (  # 1: run records, their epochs, model ownership, visitors' run counters
        """CREATE TABLE visitors (owner TEXT PRIMARY KEY, runs_started INTEGER NOT NULL DEFAULT 0,
                                  first_seen REAL NOT NULL)""",
        """CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, number INTEGER NOT NULL,
                              address TEXT, label TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL,
                              message TEXT NOT NULL DEFAULT '', epoch INTEGER NOT NULL DEFAULT 0, model_name TEXT,
                              checkpoint_epoch INTEGER NOT NULL DEFAULT 0, state_dir TEXT,
                              cpu_s REAL NOT NULL DEFAULT 0, need_bytes INTEGER NOT NULL DEFAULT 0,
                              submitted_at REAL NOT NULL, queue_order REAL NOT NULL, started_at REAL,
                              finished_at REAL, UNIQUE (owner, number))""",
        "CREATE INDEX runs_by_state ON runs (state)",
        """CREATE TABLE run_epochs (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                                    epoch INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (run_id, epoch))""",
        """CREATE TABLE models (name TEXT PRIMARY KEY, owner TEXT, source TEXT NOT NULL, run_id INTEGER,
                                created_at REAL NOT NULL)""",
        "CREATE INDEX models_by_owner ON models (owner)",
    ),
    (  # 2: which replica queues and trains a run, so that replicas sharing one database recover only their own
        "ALTER TABLE runs ADD COLUMN replica TEXT",
    ),
    (  # 3: what a visitor did that a lesson's check reads (app/common/lesson_events.py), a few per kind
        """CREATE TABLE lesson_events (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL,
                                       event TEXT NOT NULL, payload TEXT NOT NULL, at REAL NOT NULL)""",
        "CREATE INDEX lesson_events_by_owner ON lesson_events (owner, event, id)",
    ),
    (  # 4: the class map: digits students added to one shared latent map (28x28 pixels only, never a file)
        """CREATE TABLE class_points (id INTEGER PRIMARY KEY AUTOINCREMENT, board TEXT NOT NULL, owner TEXT NOT NULL,
                                      label INTEGER NOT NULL, pixels BLOB NOT NULL, x REAL NOT NULL,
                                      y REAL NOT NULL, at REAL NOT NULL)""",
        "CREATE INDEX class_points_by_board ON class_points (board, id)",
        "CREATE INDEX class_points_by_owner ON class_points (board, owner, at)",
    ),
    (  # 5: class maps a teacher created, each joined with its own code (only the code's hash is kept)
        "CREATE TABLE class_boards (board TEXT PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL)",
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
