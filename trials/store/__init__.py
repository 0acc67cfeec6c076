"""Where the data lives: the SQLite store, the bundled copy shipped with the package, and
the updates that fill the store (one at a time, for every process and page visitor)."""
