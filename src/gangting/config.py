"""Settings from the environment (prefix GANGTING_). No I/O at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GANGTING_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/gangting.db",
        description="SQLite file (embedded default) or postgresql+psycopg://…",
    )
    var_dir: Path = Path("var")
    # The audit ledger's checkpoint key (Ed25519, made on first use) and the append-only
    # file of signed checkpoints, both outside the database; a checkpoint every hour.
    ledger_key_file: Path | None = None
    ledger_checkpoint_file: Path | None = None
    ledger_checkpoint_every_s: float = Field(default=3600.0, gt=0)
    host: str = "127.0.0.1"
    port: int = 8600
    workers: int = 1
    # Connections per server process (PostgreSQL); keep workers x (pool + overflow) below
    # the server's max_connections (100 by default).
    db_pool_size: int = 10
    db_max_overflow: int = 5
    db_pool_timeout_s: float = 10.0
    city_code: str = "150200"
    city_name: str = "包头市"
    plate_prefix: str = "蒙B"
    # Identity: the booth reports its live-face evidence (descriptor distance, its threshold,
    # liveness), signed with its own key over a nonce from the centre (decision 0018): the
    # loosest distance threshold a booth may use (dlib's same-person bound) ...
    face_distance_threshold_max: float = Field(default=0.6, gt=0, lt=2)
    identity_token_ttl_s: int = 600
    # ... how long a nonce is good for, how far the booth's signing time may be from ours,
    identity_nonce_ttl_s: int = Field(default=120, ge=5, le=3600)
    identity_evidence_window_s: float = Field(default=120.0, gt=0, le=3600)
    # ... and when a booth's checks in the last hour raise an alert: above
    # max(min_per_hour, factor x its median active-hour count over baseline_days).
    identity_rate_min_per_hour: int = Field(default=30, ge=1)
    identity_rate_factor: float = Field(default=5.0, gt=1)
    identity_rate_baseline_days: int = Field(default=7, ge=1, le=30)
    # Staff sessions (bearer tokens; docs/decisions/0014): a session ends
    # staff_session_idle_s after its log-in or its last renewal (POST
    # /api/v1/staff/token/renew), and never later than staff_token_ttl_s after its log-in.
    staff_token_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    staff_session_idle_s: int = Field(default=30 * 60, ge=60, le=7 * 24 * 3600)
    # The second factor (TOTP, docs/decisions/0014): roles whose enrolled accounts must give
    # their authenticator's code at log-in; an account of these roles not yet enrolled logs in
    # and is told to enrol (``second_factor: enrolment_required``) ...
    staff_totp_roles: str = Field(default="supervisor,admin", pattern=r"^[a-z,]*$")
    # ... binding it is compulsory (docs/decisions/0019): such an account's log-in yields an
    # enrolment token, good only for binding the factor (and logging out), for this long.
    staff_enrolment_token_ttl_s: int = Field(default=600, ge=60, le=3600)
    # Booth devices' tokens (the node logs in again when its token is refused).
    booth_token_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    # Log-in throttle (docs/decisions/0014): failed log-ins counted in the database (every
    # process sees them). Per account name (staff username or booth code, existing or not):
    # 5 failures within 15 min lock that name for 15 min. Per source address: 20 failures
    # within a minute lock the address for 5 min. A locked log-in is answered 429
    # ``auth.too_many_attempts`` with Retry-After.
    login_account_max_failures: int = Field(default=5, ge=1, le=1000)
    login_account_window_s: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    login_account_lockout_s: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    login_source_max_failures: int = Field(default=20, ge=1, le=100_000)
    login_source_window_s: int = Field(default=60, ge=1, le=7 * 24 * 3600)
    login_source_lockout_s: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    # Payment platform (fake adapter by default).
    payment_adapter: str = "fake"
    payment_confirm_after_s: float = 0.0
    payment_timeout_s: float = 5.0
    # Request bodies above this size are refused with 413/422.
    max_body_bytes: int = 64 * 1024
    # Strict-Transport-Security max-age on every answer, for deployments behind TLS
    # (GANGTING_HSTS_SECONDS; 0: no header, the default: plain HTTP on a private network).
    hsts_seconds: int = Field(default=0, ge=0, le=2 * 365 * 24 * 3600)
    # The API documentation (/openapi.json, /docs, /redoc): "staff" (a staff login, the
    # default), "public" (the demo: `gangting up`), "off" (GANGTING_API_DOCS).
    api_docs: Literal["public", "staff", "off"] = "staff"
    # [U] inspection mark needs violations processed (登记规定 第54条 applied to 第55条).
    mark_requires_violations_processed: bool = True
    # Per-city fine amount override: JSON {"code": fen}; default from the catalogue.
    fine_overrides_json: str = "{}"
    # Holidays (YYYY-MM-DD, comma separated) for day counting.
    holidays: str = ""
    # Weekend days made working days (调休上班), YYYY-MM-DD, comma separated.
    extra_workdays: str = ""
    demo_clock: str = ""
    # Late-fee pauses (行政复议/诉讼期间, 行政处罚法 第73条第3款): the latest end a supervisor may
    # register, counted in days from today (a longer review or lawsuit is extended later).
    late_fee_pause_max_days: int = Field(default=180, ge=1, le=3650)
    # Two keys (maker–checker): a risky act's request not approved or rejected within this
    # many seconds expires (GANGTING_APPROVAL_EXPIRES_AFTER_S; default one day).
    approval_expires_after_s: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    # 首违不罚 (行政处罚法 第33条第1款): the province's list of eligible codes (a JSON file, shape
    # of gangting/violations/data/first_offence_codes.json); empty: the packaged EXAMPLE list.
    # GANGTING_FIRST_OFFENCE_ENABLED=false turns the rule off.
    first_offence_enabled: bool = True
    first_offence_list_path: str = ""
    # 暂缓或者分期缴纳罚款 (行政处罚法 第66条第2款), [U] values (the law sets none): the longest
    # deferral in days after the decision's due date, the most instalments, the days between
    # two instalments, and whether a missed instalment makes the rest due at once.
    fine_deferral_max_days: int = Field(default=90, ge=1, le=365)
    fine_instalments_max_count: int = Field(default=6, ge=2, le=24)
    fine_instalment_interval_days: int = Field(default=30, ge=7, le=92)
    fine_instalment_missed_makes_rest_due: bool = True
    # 转办: working days the responsible unit has to finish a booth's referral (decision 0027;
    # objections always have 5, 处理程序规定 第5条第3款 with 第81条第2款).
    referral_working_days: int = Field(default=5, ge=1, le=60)
    # 事故快处: the typical cases' liability table (a JSON file, shape of
    # gangting/accidents/data/liability_cases.json); empty: the packaged EXAMPLE table [S]
    # (事故程序规定 第60条 and 实施条例 第91条 set only the principle; docs/decisions/0029).
    accident_liability_table_path: str = ""
    # 好差评: working days to verify, call back and fix a bad rating (RULES.md §7; 2/5/7/15).
    bad_review_remedy_working_days: int = Field(default=5, ge=0, le=30)
    # The "1-5-15" rule of the remedy (docs/decisions/0022; ratings.rules.RemedyPolicy): reach
    # the citizen within 1 working day [U: no national or Inner Mongolia text read; the
    # issue's rule], fix an ordinary matter within the 5 above [S: 德州, 达拉特旗], a complex one
    # within 15 [S: a Sichuan city plan, 澄江]; an overdue step is escalated to the parent unit.
    bad_review_contact_working_days: int = Field(default=1, ge=0, le=30)
    bad_review_complex_working_days: int = Field(default=15, ge=0, le=60)
    # The rating link on the receipt (/r/{token}): the address citizens' phones reach the
    # centre's public page at, and how long a link works (one use).
    public_base_url: str = Field(
        default="http://127.0.0.1:8600", max_length=200, pattern=r"^https?://[^\s/]+(/\S*)?$"
    )
    rating_link_ttl_days: int = Field(default=30, ge=1, le=365)
    # The key the links' tokens are derived from (Ed25519, made on first use, 0600), so that
    # a replayed answer carries the same link; only the tokens' hashes are stored.
    rating_link_key_file: Path | None = None
    # The public rating page and API, per source address: at most this many requests
    # within the window, then the address waits for the lockout (429 ratings.too_many_requests).
    rating_link_source_max_requests: int = Field(default=30, ge=1, le=100_000)
    rating_link_source_window_s: int = Field(default=600, ge=1, le=24 * 3600)
    rating_link_source_lockout_s: int = Field(default=600, ge=1, le=24 * 3600)

    # Booths over MQTT (docs/decisions/0003-booths-over-mqtt.md). "embedded": `gangting up`
    # starts an in-process broker (amqtt) on mqtt_url's host and port; "external": Mosquitto
    # or EMQX in production. With the Mosquitto configuration gangting generates, the centre
    # uses its own listener (mqtt://127.0.0.1:1885); booths use the other one (1883/8883).
    mqtt_broker: Literal["embedded", "external"] = "embedded"
    mqtt_url: str = "mqtt://127.0.0.1:1884"
    mqtt_username: str = "gangting-centre"
    mqtt_password: str = ""
    mqtt_keepalive_s: int = Field(default=30, ge=5, le=600)
    # How often the centre's link looks for queued commands and sweeps expired ones.
    mqtt_dispatch_interval_s: float = Field(default=0.5, gt=0, le=60)
    # Ingest threads (one booth's messages always on the same one); a second one computes
    # while the first waits for its commit. SQLite has one writer anyway. Each takes what
    # has queued up as one unit of work (at most ``mqtt_ingest_batch``), waiting up to
    # ``mqtt_ingest_linger_ms`` for more after the first message: a statement costs
    # ~0.1-0.3 ms of CPU here, so hundreds of messages sharing a commit is what keeps one
    # centre process ahead of thousands of messages a second (docs/benchmarks.md).
    mqtt_ingest_workers: int = Field(default=2, ge=1, le=64)
    mqtt_ingest_batch: int = Field(default=500, ge=1, le=10_000)
    mqtt_ingest_linger_ms: int = Field(default=20, ge=0, le=1000)
    command_default_expiry_s: int = Field(default=300, ge=10, le=7 * 24 * 3600)
    telemetry_retention_days: int = Field(default=30, ge=1, le=3650)
    # Plate reads (过车记录) are personal information (PIPL 第19条: kept no longer than the
    # purpose needs). A read older than this is deleted unless a watch-list hit refers to it
    # (the hit's evidence stays); 90 days covers a later lookup of a pass (a reported stolen
    # car, an incident) and a quarter's reports. Its evidence crop, the heaviest part of the
    # row and an image of the vehicle and often its occupants, goes sooner.
    plate_read_retention_days: int = Field(default=90, ge=1, le=3650)
    plate_read_evidence_days: int = Field(default=30, ge=1, le=3650)

    # Watch-list (缉查布控): unprocessed violation records that list a plate (处理程序规定
    # 第54条 names five), the lowest match score that makes a hit, reads of one plate at one
    # booth this close in time are one pass, the longest a manual entry may run.
    watch_list_violation_threshold: int = Field(default=5, ge=1, le=1000)
    watch_list_min_score: float = Field(default=0.5, gt=0, le=1)
    watch_list_hit_window_s: int = Field(default=300, ge=0, le=24 * 3600)
    watch_list_manual_max_days: int = Field(default=90, ge=1, le=3650)
    # Alerts: a booth cabinet at or above this temperature is over-temperature.
    booth_max_temperature_c: float = Field(default=50.0, ge=20, le=90)

    # --- Booth clocks and broker TLS (issue 12 §4, §7; docs/decisions/0016) ---
    # A booth's time (telemetry, help calls, receipts, plate reads, command replies) is
    # refused (booths.clock_skew, 422; over MQTT refused and counted, not stored) when it is
    # more than booth_clock_skew_s after the centre's, or more than booth_backlog_days before
    # it (what a node may hold in its outbox while the centre is out of reach).
    booth_clock_skew_s: int = Field(default=300, ge=0, le=24 * 3600)
    booth_backlog_days: int = Field(default=7, ge=1, le=90)
    # --- end booth clocks and broker TLS ---
    # Instructions (指令): default time to acknowledge (签收) and to report (反馈), counted
    # from the issue; an unfinished instruction expires this long after its report deadline.
    instruction_acknowledge_within_s: int = Field(default=180, ge=30, le=24 * 3600)
    instruction_report_within_s: int = Field(default=1800, ge=60, le=7 * 24 * 3600)
    instruction_expire_after_s: int = Field(default=7200, ge=0, le=7 * 24 * 3600)

    # Command centre live events (docs/decisions/0005-live-events.md): published to the
    # broker under live_topic_prefix/{kind}; each web worker keeps the last live_replay_size
    # for browsers that reconnect. A booth not heard from for booth_stale_after_s (and
    # without broker availability) shows as "no data" on the map.
    live_events: bool = True
    # Where the live clients connect (empty: GANGTING_MQTT_URL). Each centre process has
    # its own client id; a broker that forces client id = username needs a listener for the
    # centre's processes without that rule: the generated Mosquitto configuration has one
    # (docs/decisions/0005-live-events.md, "Broker accounts").
    live_mqtt_url: str = ""
    live_topic_prefix: str = Field(
        default="gangting/v1/centre/live", pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"
    )
    live_replay_size: int = Field(default=2000, ge=10, le=100_000)
    booth_stale_after_s: int = Field(default=300, ge=10, le=24 * 3600)

    # Detection (issue 11 §3; detection.rules.Thresholds says what each one means). [U]: the
    # thresholds are this project's choice, not a regulation's; a city tunes them from the
    # supervisors' verdicts. The job runs every detect_every_s (daily).
    detect_every_s: float = Field(default=86400.0, gt=0)
    detect_window_days: int = Field(default=365, ge=1, le=3650)
    detect_many_owners: int = Field(default=3, ge=2, le=100)
    detect_repeat_cycles: int = Field(default=3, ge=1, le=10)
    detect_repeat_decisions: int = Field(default=8, ge=2, le=1000)
    detect_block_min_density: float = Field(default=0.8, gt=0, le=100)
    detect_shared_phone: int = Field(default=4, ge=2, le=1000)
    detect_hopping_booths: int = Field(default=3, ge=2, le=100)
    detect_hopping_window_s: int = Field(default=3600, ge=60, le=7 * 86400)
    # Opening hours of the booths and the centre's staff, Asia/Shanghai, [open, close).
    detect_open_hour: int = Field(default=8, ge=0, le=23)
    detect_close_hour: int = Field(default=20, ge=1, le=24)
    detect_off_hours_min: int = Field(default=3, ge=1, le=10_000)
    detect_recent_days: int = Field(default=30, ge=1, le=3650)
    detect_outlier_z: float = Field(default=3.5, gt=0, le=100)
    # The unsupervised second opinion (PyOD; desks.detection_outliers): ecod | iforest, the
    # top share of each kind of actor, at most this many cases a kind, and the fewest actors
    # a kind needs to be scored at all.
    detect_second_opinion_model: Literal["ecod", "iforest"] = "ecod"
    detect_second_opinion_contamination: float = Field(default=0.01, gt=0, le=0.5)
    detect_second_opinion_max: int = Field(default=5, ge=0, le=1000)
    detect_second_opinion_min_actors: int = Field(default=10, ge=3, le=100_000)

    # Idempotent replays (docs/decisions/0017): a stored answer to a write is kept this many
    # days, then the worker purges it (``idempotency.retention``, daily, in batches of
    # idempotency_purge_batch) and the same key is a new request. The default outlasts any
    # retry of a booth's key: a kiosk step's key lives one citizen's session (the identity
    # token's 10 minutes), the node's outbox retries every minute while the centre answers
    # and keeps delivered rows a day; a payment or a decision is also once by its own
    # records, so a retry after the purge cannot charge or take points twice.
    idempotency_retention_days: int = Field(default=7, ge=1, le=3650)
    idempotency_purge_batch: int = Field(default=1000, ge=1, le=10_000)

    # Service KPIs and reports (issue 13 §2, §5; docs/decisions/0024-reports.md). [U]: these
    # are this project's assumptions, not a regulation's; a city states its own. Minutes of a
    # hall counter clerk's time one matter takes (what a booth matter saves) and the minutes
    # an officer still spends on a booth matter (remote assistance, checks); a booth's opening
    # hours a day (the denominator of applications per booth-hour). Kilometres saved: the
    # round trip from the citizen's home district's centroid to the nearest service hall
    # minus the round trip to the booth, straight-line (haversine) distance times
    # report_road_factor. report_window_months: months on each side of a booth's opening in
    # its before/after comparison.
    report_counter_minutes_per_matter: float = Field(default=15.0, ge=0, le=480)
    report_booth_officer_minutes_per_matter: float = Field(default=2.0, ge=0, le=480)
    report_booth_hours_per_day: float = Field(default=12.0, gt=0, le=24)
    report_road_factor: float = Field(default=1.3, ge=1, le=3)
    report_window_months: int = Field(default=6, ge=1, le=36)
    # The CJK font the reports embed (a subset): a file, or file#index in a collection; empty:
    # fc-match's Noto Sans CJK SC (fonts-noto-cjk).
    report_font: str = ""
    # Service guides (办事指南, docs/decisions/0026): the day the running configuration took
    # effect (YYYY-MM-DD; a guide is in force from the later of it and its rules' day), and
    # the 工本费 of a renewed or replaced licence card in fen ([U] the province's price list;
    # 0: the guide says no fee is charged).
    guides_effective_on: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")
    licence_card_fee_fen: int = Field(default=0, ge=0, le=100_000)

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None

    @property
    def ledger_key_path(self) -> Path:
        return self.ledger_key_file or self.var_dir / "ledger-key.pem"

    @property
    def rating_link_key_path(self) -> Path:
        return self.rating_link_key_file or self.var_dir / "rating-link-key.pem"

    @property
    def ledger_checkpoint_path(self) -> Path:
        return self.ledger_checkpoint_file or self.var_dir / "ledger-checkpoints.jsonl"
