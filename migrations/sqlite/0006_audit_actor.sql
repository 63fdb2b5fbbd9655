-- Who acted, when it is not the person the event is about: the admin who
-- disabled someone, made an invitation or a service token (their address).
-- The admin pages' person filter finds it too.
ALTER TABLE audit_events ADD COLUMN actor TEXT;
