"""Score contracts, test and production scoring, the score repository, scoring tests."""
