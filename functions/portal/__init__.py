"""Customer portal: customers follow their own case through a signed, expiring link."""
