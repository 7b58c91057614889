"""Search: one port (``port.SearchIndex``) over two engines, and the indexing that keeps it in step
with the table.

Rooms (docs/architecture.md): ``handlers`` (the table's stream -> the index), ``cli``
(``casebridge search reindex``), ``service`` (stream batches and rebuilds), ``port`` (the search
port and its documents, queries and hits), ``store`` (the table scan a rebuild reads). The engines
are the port's adapters: ``opensearch`` (AWS) and ``embedded`` (Tantivy, local), chosen from the
settings by ``engines``. Pure modules: ``indexing`` (mappers and stream records -> index changes;
every domain exports its own mappers in its ``search_docs``), ``reindex`` (the no-downtime rebuild),
``analysis`` and ``query`` (text analysis and query planning shared by both engines), ``similar``
(the similar-case query). ``vectors``: the embedded engine's vector store (rows and an HNSW graph
beside each Tantivy index); ``embedding``: the local adapter of the ``Embedder`` port.
"""
