-- Fast lookups of recent events by actor, e.g. failed sign-ins for an email (throttling).
CREATE INDEX audit_log_actor_action ON audit_log(actor_label, action, at);
