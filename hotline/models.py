"""Every table of the product, imported in one place so migrations and tests see the whole schema."""

from analytics.models import RisingAlert, TicketReaction  # noqa: F401
from approvals_bridge.models import ApprovalCase  # noqa: F401
from classifier.models import SuggestionFeedback  # noqa: F401
from hotline.auth.models import LoginAudit, User
from hotline.callers.models import Call, Caller, TranscriptSegment
from hotline.cluster.models import JobLease
from hotline.directory.models import Department
from hotline.security.models import IdempotencyKey
from hotline.tickets.assignments import TicketAssignment
from hotline.tickets.models import Attachment, Ticket, TicketEvent, TicketNumberCounter
from hotline.tickets.words import TicketWords
from knowledge.models import Article, ArticleRating, ArticleVersion  # noqa: F401
from routing.acd.models import AgentPresence, QueuedCall
from routing.linkage.models import InboundMessage, LinkageTransfer, OutboxMessage, SeenNonce  # noqa: F401
from selfservice.models import LookupAudit, Open311Request, Open311Token  # noqa: F401

__all__ = [
    "AgentPresence",
    "Attachment",
    "Call",
    "Caller",
    "Department",
    "IdempotencyKey",
    "JobLease",
    "LoginAudit",
    "QueuedCall",
    "Ticket",
    "TicketAssignment",
    "TicketEvent",
    "TicketNumberCounter",
    "TicketWords",
    "TranscriptSegment",
    "User",
]
