"""Users, roles, password hashing, JWT and permission checks."""
