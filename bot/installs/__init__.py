"""Installing Accord with Add to Slack, and what Slack says when it is removed."""
