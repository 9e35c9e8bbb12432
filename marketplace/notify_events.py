"""Who hears of which event, in what words: the notices each workflow's steps send (marketplace.notify).

Each function is called from the write path of its object (the workflow's `after` hook or the service
that makes the change), inside the same transaction.
"""
from marketplace import notify
from marketplace.mail import queue_mail
from marketplace.matching import inbox
from models.listing import KIND_LABELS


def listing_link(listing) -> str:
    return f"/{listing.kind}s/{listing.id}"


def listing_step(step) -> None:
    """Approved, returned (with the reason) or taken down: the owner organisation's members hear of it."""
    listing, name = step.obj, step.action.name
    word = KIND_LABELS[listing.kind]
    subjects = {"approve": f"您的{word}“{listing.title}”已通过审核并公开发布",
                "return": f"您的{word}“{listing.title}”被退回修改",
                "take_down": f"您的{word}“{listing.title}”已被强制下架"}
    from marketplace import follows

    follows.tell_followers(step)
    if step.target == "published":
        follows.listing_published(listing)
    if name not in subjects:
        return
    body = f"原因：{step.reason}" if step.reason else ""
    notify.notify_organisation(listing.organisation_id, "listing", subjects[name], body, listing_link(listing),
                               sender=step.actor)


def bounty_applied(need, application, actor) -> None:
    notify.notify_organisation(need.organisation_id, "bounty", f"{application.organisation.name}揭榜了您的需求“{need.title}”",
                               application.proposal or "", listing_link(need), sender=actor)


def bounty_decided(need, selected, actor) -> None:
    """The chosen applicant hears it was selected, every other applicant that it was not."""
    for application in need.applications:
        if application.status == "selected" and application is selected:
            subject = f"您的揭榜方案已入选：“{need.title}”"
        elif application.status == "not_selected" and application.decided_by_id == actor.id:
            subject = f"您的揭榜方案未入选：“{need.title}”"
        else:
            continue
        notify.notify_organisation(application.organisation_id, "bounty", subject,
                                   f"发榜单位：{need.organisation.name}", listing_link(need), sender=actor)


def match_step(match, actor, subject: str, body: str = "") -> None:
    """Every side of a match but the one who acted: both organisations and the broker."""
    link = f"/matching/{match.id}"
    for org_id in (match.need.organisation_id, match.result.organisation_id):
        if org_id != actor.organisation_id:
            notify.notify_organisation(org_id, "match", subject, body, link, sender=actor, match=match)
    if match.broker is not None and match.broker_id != actor.id:
        notify.notify([match.broker], "match", subject, body, link, sender=actor, match=match)


CONTRACT_SUBJECTS = {
    "accept": "合同“{title}”已被受理",
    "return": "合同“{title}”被退回补正",
    "register": "合同“{title}”准予登记，登记号 {number}",
    "refuse": "合同“{title}”不予登记",
    "cancel": "合同“{title}”的登记已被撤销",
}


def contract_parties(contract):
    """Who files and follows a contract: the seller organisation's members and the broker who filed it."""
    people = list(inbox.organisation_members(contract.seller_org_id)) if contract.seller_org_id else []
    if contract.broker is not None:
        people.append(contract.broker)
    return people


def contract_step(step) -> None:
    contract, name = step.obj, step.action.name
    if name not in CONTRACT_SUBJECTS:
        return
    subject = CONTRACT_SUBJECTS[name].format(title=contract.title, number=contract.registration_no or "")
    body = f"原因：{step.reason}" if step.reason else ""
    notify.notify(contract_parties(contract), "contract", subject, body, f"/contracts/{contract.id}",
                  sender=step.actor)


def amendment_step(step) -> None:
    amendment, name = step.obj, step.action.name
    subjects = {"approve": "变更登记申请已获准予", "refuse": "变更登记申请不予变更"}
    if name not in subjects:
        return
    contract = amendment.contract
    body = f"原因：{step.reason}" if step.reason else ""
    notify.notify(contract_parties(contract), "contract", f"合同“{contract.title}”的{subjects[name]}", body,
                  f"/contracts/{contract.id}", sender=step.actor)


def membership_requested(applicant) -> None:
    """Active members of the organisation hear that someone asks to join."""
    org = applicant.organisation
    notify.notify_organisation(org.id, "membership", f"{applicant.display_name or applicant.username}申请加入{org.name}",
                               f"用户名：{applicant.username}", "/auth/org/members")


def membership_decided(applicant, approved: bool, actor) -> None:
    """The applicant hears the decision: in the site once let in, and by mail either way (they may not log in yet)."""
    org = applicant.organisation
    subject = f"您加入“{org.name}”的申请已{'通过' if approved else '被拒绝'}"
    body = "现在可以用注册时的用户名和密码登录。" if approved else "如有疑问，请联系该单位。"
    mailed = False
    if approved:
        notify.notify([applicant], "membership", subject, body, "/", sender=actor)
        mailed = applicant.email_verified_at is not None and notify.email_mode(applicant, "membership") == "instant"
    if applicant.email and not mailed:
        queue_mail("notice", address=applicant.email, context={
            "name": applicant.display_name or applicant.username, "subject": subject, "body": body,
            "link": notify.absolute("/auth/login" if approved else "/")})
