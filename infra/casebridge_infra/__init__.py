"""Casebridge's AWS CDK app: one construct per concern, composed by ``stack.CasebridgeStack``.

Names and shapes of tables, queues, topics and buckets come from ``functions.core.resources``
(the same definitions the local stack provisions), never from this package.
"""
