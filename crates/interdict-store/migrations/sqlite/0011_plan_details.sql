-- The plan of action's manual elements (agency, point of contact, contracts, …) per
-- directive, versioned: every save is a new row, the highest version is current.
CREATE TABLE plan_details (
    directive_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    saved_ms BIGINT NOT NULL,
    saved_by TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (directive_id, version)
);
