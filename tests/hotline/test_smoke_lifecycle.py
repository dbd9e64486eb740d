from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType, TicketState


def test_full_path(session, people):
    draft = TicketDraft(request_type=RequestType.complaint, summary="噪音", description="夜间施工噪音扰民", caller_phone="13812341234")
    t = service.intake(session, people.agent, draft)
    assert t.state == TicketState.received
    t = service.dispatch(session, people.agent, t.number, people.housing.id)
    assert t.state == TicketState.dispatched and t.sign_due_at and t.reply_due_at
    t = service.sign(session, people.liaison, t.number)
    t = service.reply(session, people.liaison, t.number, "已经责令施工单位停止夜间施工")
    t = service.review_reply(session, people.supervisor, t.number, True)
    t = service.callback(session, people.agent, t.number, True)
    assert t.state == TicketState.closed
