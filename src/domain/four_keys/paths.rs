//! The monorepo filter: `--path PREFIX` keeps the changes that touch a service's directory.

/// Whether any of a change's `paths` lies under one of `prefixes`, at a path-component
/// boundary: `services/api` matches `services/api/main.rs` and `services/api` itself, never
/// `services/api-gateway/…`. No prefixes means no filter. Leading `./` or `/` and trailing
/// `/` on a prefix are ignored, and `.` (or `/`) is the whole repository. A change without
/// paths (an empty merge, or an adapter that did not list them) touches nothing.
pub fn touches(paths: &[String], prefixes: &[String]) -> bool {
    prefixes.is_empty()
        || prefixes.iter().any(|prefix| {
            let prefix = normalize_prefix(prefix);
            paths
                .iter()
                .any(|path| is_under(normalize_prefix(path), prefix))
        })
}

/// A `--path` as a repository-relative path: leading `./` and `/` and trailing `/` dropped;
/// empty for the whole repository (`.` or `/`).
pub fn normalize_prefix(path: &str) -> &str {
    let mut p = path;
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            break;
        }
    }
    if p == "." {
        return "";
    }
    p.trim_end_matches('/')
}

fn is_under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_prefixes_keeps_every_change() {
        assert!(touches(&strings(&["README.md"]), &[]));
        assert!(touches(&[], &[]), "even one without paths");
    }

    #[test]
    fn a_prefix_matches_at_a_path_component_boundary_only() {
        let api = strings(&["services/api"]);
        assert!(touches(&strings(&["services/api/src/main.rs"]), &api));
        assert!(
            touches(&strings(&["services/api"]), &api),
            "the path itself"
        );
        assert!(!touches(&strings(&["services/api-gateway/main.rs"]), &api));
        assert!(!touches(&strings(&["services/apiary"]), &api));
        assert!(!touches(&strings(&["other/services/api/x"]), &api));
    }

    #[test]
    fn any_path_under_any_prefix_is_enough() {
        let prefixes = strings(&["services/api", "libs/auth"]);
        assert!(touches(
            &strings(&["docs/x.md", "libs/auth/token.rs"]),
            &prefixes
        ));
        assert!(!touches(
            &strings(&["docs/x.md", "libs/authz/a.rs"]),
            &prefixes
        ));
    }

    #[test]
    fn slashes_and_dots_around_a_prefix_are_ignored() {
        let path = strings(&["services/api/main.rs"]);
        assert!(touches(&path, &strings(&["services/api/"])));
        assert!(touches(&path, &strings(&["./services/api"])));
        assert!(touches(&path, &strings(&["/services/api"])));
        assert!(touches(&path, &strings(&["."])), "the whole repository");
        assert!(!touches(
            &strings(&["services/apix"]),
            &strings(&["services/api/"])
        ));
    }

    #[test]
    fn a_change_without_paths_touches_nothing_under_a_filter() {
        assert!(!touches(&[], &strings(&["services/api"])));
    }
}
