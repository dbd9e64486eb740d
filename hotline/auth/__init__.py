"""Users, roles, passwords (argon2), login tokens (JWT) and the role checks every route uses."""
