"""Proactive notices: an agent tells the customers affected by a confirmed problem about it, then
keeps them informed (updates, resolution) by email, SMS, portal banners and the phone menu.

Two halves that meet only through ``contract.py`` (shared shapes and the two ports through which
they call each other, wired by the composition root):

* records (this package): ``handlers.py`` (agents' API, banners, phone menu, opt-outs),
  ``service.py`` (``NoticeService``, ``OptOutService``), ``ports.py``, ``rules.py``, ``store.py``
  (notices in the table, the snapshot in the bucket, the directory the audience is read from),
  ``models.py``; and two pure modules of their own name: ``audience.py`` (who a notice reaches:
  the audience walk, preview and snapshot writer) and ``pages.py`` (the unsubscribe pages);
  ``links.py`` signs and verifies the unsubscribe and notices links.
* delivery (``delivery/``): the lifecycle state machine's jobs and the senders.
"""
