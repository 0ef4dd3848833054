"""The subscription service: plans, subscriptions, payments, renewals and their events."""
