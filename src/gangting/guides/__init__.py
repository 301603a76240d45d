"""Service guides (办事指南) of every booth business: the registry the domains feed, the
coverage check of their refusal codes, the public JSON API, pages and PDF (decision 0026)."""
