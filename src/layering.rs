//! The dependency picture of the crate's top-level modules has no circles:
//! a module never imports one that imports it back, directly or through
//! others. Read from the source (every `crate::…` path outside tests), so
//! a new upward arrow fails here with the circle it closes and the files
//! that make it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let text = text
        .find("#[cfg(test)]\nmod tests {")
        .map_or(text, |i| &text[..i]);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `crate::` in `code`.
fn named(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}, e}`: the first name of each item.
            let (mut depth, mut item_start) = (0usize, true);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut g = Graph::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap_or(&f);
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let edges = g.entry(module.clone()).or_default();
        for to in named(&code(&text)) {
            if to != module {
                edges
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    let modules: BTreeSet<String> = g.keys().cloned().collect();
    for edges in g.values_mut() {
        edges.retain(|to, _| modules.contains(to));
    }
    g
}

/// A circle through `from`, if there is one: the modules in order.
fn circle(g: &Graph, from: &str) -> Option<Vec<String>> {
    fn walk(
        g: &Graph,
        at: &str,
        goal: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for to in g.get(at).map(|e| e.keys()).into_iter().flatten() {
            if to == goal {
                return true;
            }
            if seen.insert(to.clone()) {
                path.push(to.clone());
                if walk(g, to, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(g, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(g.len() > 20, "the source was read: {:?}", g.keys());
    let mut found = Vec::new();
    for m in g.keys() {
        if let Some(c) = circle(&g, m) {
            let arrows: Vec<String> = c
                .iter()
                .zip(c.iter().skip(1).chain(std::iter::once(&c[0])))
                .map(|(a, b)| format!("  {a} -> {b} ({:?})", g[a][b]))
                .collect();
            found.push(format!("{}\n{}", c.join(" -> "), arrows.join("\n")));
        }
    }
    assert!(
        found.is_empty(),
        "circles in the module graph:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reader_sees_every_form_of_import() {
    let code = code(
        "use crate::a::X;\nuse crate::{b, c::{D, E}, f::G};\n// crate::commented\nfn x() { crate::h::y(); }\n",
    );
    let got: Vec<String> = named(&code).into_iter().collect();
    assert_eq!(got, ["a", "b", "c", "f", "h"]);
    // And a planted circle is found.
    let mut g = Graph::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x"), ("w", "x")] {
        g.entry(a.into())
            .or_default()
            .entry(b.into())
            .or_default()
            .insert("f.rs".into());
    }
    assert_eq!(
        circle(&g, "x"),
        Some(vec!["x".into(), "y".into(), "z".into()])
    );
    assert_eq!(circle(&g, "w"), None);
}
