"""The directory: organisations, their users, and how people and machines sign in."""
