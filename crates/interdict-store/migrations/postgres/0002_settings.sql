-- Fleet-wide settings shared by every server process (e.g. the catalog digest the stored
-- findings were last evaluated against).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);
