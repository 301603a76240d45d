"""watchlists domain: plates to look for (缉查布控), their matching against plate reads, and
the hits a person confirms or rejects."""
