"""Casebridge domain code. Shipped into the Lambda package through vendor/functions."""
