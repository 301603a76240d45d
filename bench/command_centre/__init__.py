"""Command-centre benchmark (issue 5 §5): simulated booths and cameras publish plate reads and
telemetry through a private Mosquitto at rising rates; the real centre (`gangting worker`,
`gangting server`) ingests them, matches the watch-list and streams the hits to a staff
member's live feed (GET /api/v1/live). Per step: the latency from a read's publish to its
hit on the feed (p50, p99, max), publish and ingest rates, backlog, CPU and memory of every
process. Then a restart phase: real booth nodes' outboxes (SQLite + MQTT, PUBACK) keep
sending plate reads and help calls while Mosquitto is restarted (SIGTERM) and the worker is
killed (SIGKILL) and restarted; every read and help call must be stored exactly once. And
Mosquitto's own ceiling with plain clients on the same broker.

    .venv/bin/python -m bench.command_centre \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/gangting_bench \\
        [--steps 250,500,1000,2000] [--step-s 20] [--warmup-s 5] [--telemetry-ratio 0.5] \\
        [--booths 100]

The database named is DROPPED and created again. Results: printed, and JSON in
bench/results/command_centre.json (``--json``); the processes' logs stay in the work dir.
"""
