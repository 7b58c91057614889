"""Customer portal: customers follow their own case through a signed, expiring link.

Rooms: ``handlers`` (routes), ``service`` (``PortalService``; ``LinkMails``: the case link mailed
and noted on the case), ``ports``, ``rules`` (what a customer sees of a case), ``links`` (signed
customer links: pure but for the signing secret's read; the token of a request), ``store`` (the
link request log), ``models``.
"""
