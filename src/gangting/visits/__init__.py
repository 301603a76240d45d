"""Service visits (到访): every time a citizen is served at a booth or a service hall, the
data behind the service KPIs and the reform's evaluation (docs/decisions/0023)."""
