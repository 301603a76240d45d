"""Referrals (转办): what a booth cannot finish goes to the responsible unit with a deadline and
the materials collected; objections to camera records (异议) are referrals of their own kind."""
