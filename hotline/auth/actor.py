"""Who performs a step: a logged-in user, or the system's own clocks."""

from dataclasses import dataclass

from hotline.auth.models import Role, User


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str
    department_id: int | None = None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(id=user.id, name=user.display_name, role=user.role, department_id=user.department_id)

    def has(self, *roles: Role) -> bool:
        return self.role in roles


SYSTEM = Actor(id=None, name="系统时钟", role="system")
