//! `unsafe` stays confined to the SIMD dispatch, the AES intrinsics of the
//! generator, the buffer module and the bindings' caller memory by address.
//!
//! The crate root has `#![deny(unsafe_code)]`, but `deny` (unlike `forbid`)
//! can be lifted by any module with `#![allow(unsafe_code)]`, which those
//! four files need. So the compiler alone does not keep new
//! `unsafe` out of other files; this test does, by scanning the sources:
//!
//! * the root still denies `unsafe_code`;
//! * outside the allowed files no code (comments excluded) contains the
//!   keyword or an `allow(unsafe_code)`;
//! * in the allowed files every `unsafe` has a `SAFETY` comment in the lines
//!   just above it.

use std::fs;
use std::path::{Path, PathBuf};

/// The only files that may contain `unsafe`, relative to the crate root.
const ALLOWED: [&str; 4] = ["rust/dispatch.rs", "rust/rng/ars/x86.rs", "rust/buffer.rs", "rust/py/memory.rs"];
/// Source trees scanned (crate, examples, benches, integration tests).
const TREES: [&str; 4] = ["rust", "examples", "benches", "tests"];
/// How far above an `unsafe` its `SAFETY` comment may start (one comment
/// may cover the arms of one `match`).
const SAFETY_WINDOW: usize = 8;
const KEYWORD: &str = "unsafe";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return; // a tree that does not exist has nothing to scan
    };
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: without `//` comments (doc comments included) and
/// without the contents of string literals on it.
fn code_of(line: &str) -> String {
    let mut code = String::new();
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => {
                in_string = !in_string;
                code.push('"');
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ if in_string => {}
            _ => code.push(c),
        }
    }
    code
}

/// Whether `code` contains `word` as a whole identifier.
fn has_word(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn unsafe_is_confined_to_dispatch_intrinsics_and_buffers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("rust/lib.rs")).expect("rust/lib.rs");
    assert!(
        lib.lines().any(|l| code_of(l).trim() == "#![deny(unsafe_code)]"),
        "rust/lib.rs must keep #![deny(unsafe_code)]"
    );

    let mut files = Vec::new();
    for tree in TREES {
        rust_files(&root.join(tree), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());

    let mut violations = Vec::new();
    let mut blocks = 0;
    for path in &files {
        let rel = path.strip_prefix(root).expect("under the crate root");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(path).expect("readable source");
        let lines: Vec<&str> = text.lines().collect();
        let allowed = ALLOWED.contains(&rel.as_str());
        for (n, line) in lines.iter().enumerate() {
            let code = code_of(line);
            let lifts_deny = code.contains("allow(unsafe_code)");
            if !has_word(&code, KEYWORD) && !lifts_deny {
                continue;
            }
            if !allowed {
                violations.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            } else if has_word(&code, KEYWORD) {
                blocks += 1;
                let above = &lines[n.saturating_sub(SAFETY_WINDOW)..n];
                if !above.iter().any(|l| l.contains("SAFETY")) {
                    violations.push(format!("{rel}:{}: no SAFETY comment above", n + 1));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "unsafe outside {ALLOWED:?} or without a SAFETY comment:\n{}",
        violations.join("\n")
    );
    // The scan really sees the known blocks (so it cannot pass by finding nothing).
    assert!(blocks >= 8, "found only {blocks} unsafe blocks in {ALLOWED:?}");
}

#[test]
fn the_scanner_sees_through_comments_and_strings() {
    assert!(has_word(&code_of("let x = unsafe { f() };"), KEYWORD));
    assert!(has_word(&code_of("pub unsafe fn f() {}"), KEYWORD));
    assert!(!has_word(&code_of("// unsafe here is a comment"), KEYWORD));
    assert!(!has_word(&code_of("/// docs may say unsafe"), KEYWORD));
    assert!(!has_word(&code_of("let s = \"unsafe \\\" unsafe\";"), KEYWORD));
    assert!(!has_word(&code_of("#![deny(unsafe_code)]"), KEYWORD));
    assert!(code_of("#![allow(unsafe_code)] // why").contains("allow(unsafe_code)"));
    assert!(!has_word("unsafe_op", KEYWORD) && !has_word("not_unsafe", KEYWORD));
}
