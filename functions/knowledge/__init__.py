"""Knowledge: articles (KCS: symptoms, cause, resolution, workaround), their versions and review,
drafts from cases, similar cases and suggested articles for agents.

Rooms (docs/architecture.md): ``handlers``, ``service``, ``ports``, ``rules`` (the article
lifecycle), ``store`` (DynamoDB), ``models``; and pure modules of their own: ``drafting`` (what a
case becomes as an article draft), ``scrub`` (personal data out of text that leaves a case; the
self-service domain uses it too), ``similar_cases`` (the queries and hits behind "similar cases"),
``search_docs`` (article -> search document mapper).
"""
