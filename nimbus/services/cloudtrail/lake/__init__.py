"""CloudTrail Lake: event data stores fed by every recorded call, and SQL queries over them."""
