"""Web-form channel: customers open a case from the support site's contact form."""
