"""plate_reads domain: what booth cameras read (one voted read per vehicle pass)."""
