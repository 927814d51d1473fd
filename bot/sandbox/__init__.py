"""An offline Slack workspace: a Web API emulator, a request driver and a movable clock around the real app."""
