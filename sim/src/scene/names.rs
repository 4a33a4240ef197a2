//! The names a scene's fault script may use: nodes (plain, numbered, groups), links between them, and
//! triggers. A script naming something the scene can never have is an error (the runner exits 2, a URL gets
//! a notice); a name the scene can have but lacks at that moment (a shard removed earlier) is the run's
//! business: the action has no effect, and the narration says so.
//!
//! A node pattern is a plain name (`cache`) or a numbered family `prefix{lo..hi}` (`app{1..64}` matches
//! `app1` … `app64`). A link is a pair of patterns, in either order.
//!
//! ```
//! use faultline_sim::scene::Names;
//! const NAMES: Names = Names {
//!     nodes: &["clients", "app{1..64}", "apps"],
//!     links: &[("clients", "app{1..64}"), ("clients", "apps")],
//!     triggers: &["flush"],
//! };
//! assert!(NAMES.node_ok("app12") && !NAMES.node_ok("app65") && !NAMES.node_ok("app01"));
//! assert!(NAMES.link_ok("app3", "clients") && !NAMES.link_ok("app3", "apps"));
//! ```

use crate::kernel::{Action, ActionKind, ParamSpec};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Names {
    pub nodes: &'static [&'static str],
    pub links: &'static [(&'static str, &'static str)],
    pub triggers: &'static [&'static str],
}

/// (prefix, lo, hi) of a numbered pattern.
fn numbered(pattern: &str) -> Option<(&str, u32, u32)> {
    let (prefix, rest) = pattern.split_once('{')?;
    let (lo, hi) = rest.strip_suffix('}')?.split_once("..")?;
    Some((prefix, lo.parse().ok()?, hi.parse().ok()?))
}

/// Whether `name` matches a node pattern.
pub fn matches(pattern: &str, name: &str) -> bool {
    match numbered(pattern) {
        Some((prefix, lo, hi)) => name.strip_prefix(prefix).is_some_and(|n| {
            !n.is_empty()
                && !n.starts_with('0')
                && n.chars().all(|c| c.is_ascii_digit())
                && n.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
        }),
        None => pattern == name,
    }
}

impl Names {
    pub fn node_ok(&self, name: &str) -> bool {
        self.nodes.iter().any(|p| matches(p, name))
    }

    pub fn link_ok(&self, a: &str, b: &str) -> bool {
        self.links.iter().any(|(x, y)| (matches(x, a) && matches(y, b)) || (matches(x, b) && matches(y, a)))
    }

    /// Concrete node names, a few per numbered family (its ends and a middle), for tests and palettes.
    pub fn sample_nodes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in self.nodes {
            match numbered(p) {
                Some((prefix, lo, hi)) => {
                    for n in [lo, lo + 1, (lo + hi) / 2, hi] {
                        let name = format!("{prefix}{}", n.min(hi));
                        if !out.contains(&name) {
                            out.push(name);
                        }
                    }
                }
                None => out.push(p.to_string()),
            }
        }
        out
    }

    /// Concrete links, pairing sample names of each link pattern.
    pub fn sample_links(&self) -> Vec<(String, String)> {
        let samples = self.sample_nodes();
        let mut out = Vec::new();
        for (x, y) in self.links {
            for a in samples.iter().filter(|n| matches(x, n)) {
                for b in samples.iter().filter(|n| matches(y, n)) {
                    if a != b {
                        out.push((a.clone(), b.clone()));
                    }
                }
            }
        }
        out
    }

    /// Checks that `action` names only things of this scene; the error says what is allowed.
    pub fn validate(&self, action: &Action, params: &[ParamSpec]) -> Result<(), String> {
        let node_ok = |n: &str| -> Result<(), String> {
            if self.node_ok(n) {
                Ok(())
            } else {
                Err(format!("fault '{action}': unknown node '{n}' (nodes: {})", self.nodes.join(", ")))
            }
        };
        match &action.kind {
            ActionKind::Crash { node } | ActionKind::Restart { node } => node_ok(node),
            ActionKind::Cut { a, b } | ActionKind::Heal { a, b } => {
                node_ok(a)?;
                node_ok(b)?;
                if self.link_ok(a, b) {
                    Ok(())
                } else {
                    let links: Vec<String> = self.links.iter().map(|(x, y)| format!("{x}-{y}")).collect();
                    Err(format!("fault '{action}': there is no link {a}-{b} (links: {})", links.join(", ")))
                }
            }
            ActionKind::Set { param, value } => {
                let spec = params
                    .iter()
                    .find(|s| s.name == param)
                    .ok_or_else(|| format!("fault '{action}': unknown parameter '{param}'"))?;
                spec.parse(value).map(|_| ()).map_err(|e| format!("fault '{action}': {e}"))
            }
            ActionKind::Trigger { name } => {
                if self.triggers.contains(&name.as_str()) {
                    Ok(())
                } else if self.triggers.is_empty() {
                    Err(format!("fault '{action}': unknown trigger '{name}' (this scene has no triggers)"))
                } else {
                    Err(format!("fault '{action}': unknown trigger '{name}' (triggers: {})", self.triggers.join(", ")))
                }
            }
        }
    }
}
