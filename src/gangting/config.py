"""Settings from the environment (prefix GANGTING_). No I/O at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GANGTING_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/gangting.db",
        description="SQLite file (embedded default) or postgresql+psycopg://…",
    )
    var_dir: Path = Path("var")
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
    # Identity: the booth reports the face match score; below the threshold no token.
    face_match_threshold: float = 0.80
    identity_token_ttl_s: int = 600
    # Staff sessions (bearer tokens).
    staff_token_ttl_s: int = 8 * 3600
    # Payment platform (fake adapter by default).
    payment_adapter: str = "fake"
    payment_confirm_after_s: float = 0.0
    payment_timeout_s: float = 5.0
    # Request bodies above this size are refused with 413/422.
    max_body_bytes: int = 64 * 1024
    # [U] inspection mark needs violations processed (登记规定 第54条 applied to 第55条).
    mark_requires_violations_processed: bool = True
    # Per-city fine amount override: JSON {"code": fen}; default from the catalogue.
    fine_overrides_json: str = "{}"
    # Holidays (YYYY-MM-DD, comma separated) for day counting.
    holidays: str = ""
    demo_clock: str = ""
    # 好差评: working days to verify, call back and fix a bad rating (RULES.md §7; 2/5/7/15).
    bad_review_remedy_working_days: int = Field(default=5, ge=0, le=30)

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None
