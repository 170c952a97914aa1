"""The run history: the SQLite store and its schema, a run's row, its folder and files, the
processes that own runs, the recorder that keeps a run's epochs, and the one-time runs.json migration."""
