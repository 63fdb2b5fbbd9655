//! Where each value comes from: `PASSGATE_*` environment variables merged
//! over the file (parsed as a TOML snippet of their own), and the line or
//! variable each key's problem is reported with.

use std::collections::HashMap;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Put every key of `env` (sections of scalars) into `doc`, replacing.
pub(super) fn merge_env<'a>(doc: &mut DeTable<'a>, env: DeTable<'a>) {
    for (section, table) in env {
        let DeValue::Table(entries) = table.into_inner() else {
            continue;
        };
        let existing = doc
            .iter_mut()
            .find(|(k, _)| k.get_ref() == section.get_ref())
            .map(|(_, v)| v);
        match existing {
            Some(v) => {
                if let DeValue::Table(t) = v.get_mut() {
                    for (k, val) in entries {
                        let found = t
                            .iter_mut()
                            .find(|(kk, _)| kk.get_ref() == k.get_ref())
                            .map(|(_, vv)| vv);
                        match found {
                            Some(slot) => *slot = val,
                            None => {
                                t.insert(k, val);
                            }
                        }
                    }
                }
            }
            None => {
                doc.insert(section, Spanned::new(0..0, DeValue::Table(entries)));
            }
        }
    }
}

/// Byte offset → 1-based line.
pub(super) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    pub(super) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Line of every key path in the document ("server.listen", "route[1].host").
pub(super) fn index_keys(doc: &DeTable<'_>, lines: &LineIndex) -> HashMap<String, usize> {
    fn walk(t: &DeTable<'_>, prefix: &str, lines: &LineIndex, out: &mut HashMap<String, usize>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            out.insert(path.clone(), lines.line(k.span().start));
            match v.get_ref() {
                DeValue::Table(inner) => walk(inner, &path, lines, out),
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let ip = format!("{path}[{i}]");
                        out.insert(ip.clone(), lines.line(item.span().start));
                        if let DeValue::Table(inner) = item.get_ref() {
                            walk(inner, &ip, lines, out);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    walk(doc, "", lines, &mut out);
    out
}

/// The line for `key`, or for its nearest parent that is in the file.
pub(super) fn line_for(index: &HashMap<String, usize>, key: &str) -> Option<usize> {
    let mut k = key;
    loop {
        if let Some(l) = index.get(k) {
            return Some(*l);
        }
        let cut = k.rfind(['.', '['])?;
        k = &k[..cut];
    }
}

pub(super) fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        P::Map { parent, key } => {
            let p = ignored_path(parent);
            if p.is_empty() {
                key.to_string()
            } else {
                format!("{p}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}
