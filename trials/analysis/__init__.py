"""What the finder reads from a study: therapy type and study role, eligibility and a
patient's pre-screen, warning flags, places and distances, changes between refreshes, and
the classified table that every door shows."""
