//! Santa rules: the covered vendors' Apple Team IDs, blocked.

use super::{Covered, PolicyError, PolicyFormat};
use serde_json::json;

/// JSON for `santactl rule --import`: one `TEAMID` `BLOCKLIST` rule per Team ID.
pub(super) fn rules(c: &Covered) -> Result<String, PolicyError> {
    let mut rules = Vec::new();
    for v in &c.vendors {
        for team in &v.team_ids {
            rules.push(json!({
                "identifier": team,
                "policy": "BLOCKLIST",
                "rule_type": "TEAMID",
                "custom_msg": format!("{} software is banned by {}", v.name, c.directive.id),
            }));
        }
    }
    let doc = json!({
        "interdict": c.banner(PolicyFormat::Santa),
        "rules": rules,
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}
