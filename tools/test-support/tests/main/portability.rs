//! The workspace builds on Linux only here, yet most readers run macOS or
//! Windows. This test parses every Rust source of the workspace (with `syn`,
//! not patterns over text) and fails where something that exists only on
//! some systems is used outside an item gated to them:
//!
//! - the paths `std::os::unix` and `std::os::linux`;
//! - a string literal starting with `/proc/`;
//! - `Command::new` of `kill`, `id`, `sh`, `getconf` or `ulimit`.
//!
//! Gated means: inside an item, statement or expression carrying a
//! `#[cfg(...)]` that names the platform (`unix`, `windows`, `target_os`,
//! `target_family`, `target_vendor`), or inside either branch of an
//! `if cfg!(...)` on the platform.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, ExprCall, ExprIf, ExprLit, Item, Lit, LitStr, Macro, Token};

/// Programs that exist only on Unix (or behave differently elsewhere).
const UNIX_PROGRAMS: [&str; 5] = ["kill", "id", "sh", "getconf", "ulimit"];

/// Words in a `cfg` predicate that make it a platform gate.
const PLATFORM_WORDS: [&str; 5] = [
    "unix",
    "windows",
    "target_os",
    "target_family",
    "target_vendor",
];

/// One use of something platform-specific outside a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    line: usize,
    what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.what)
    }
}

/// Walks one file, counting how deep inside platform gates it is.
#[derive(Default)]
struct Checker {
    gates: usize,
    found: Vec<Violation>,
    /// `mod name;` declared inside a gate: its file is gated too.
    gated_mods: Vec<String>,
}

impl Checker {
    fn report(&mut self, span: proc_macro2::Span, what: String) {
        if self.gates == 0 {
            self.found.push(Violation {
                line: span.start().line,
                what,
            });
        }
    }

    /// Runs `walk` one gate deeper when `attrs` hold a platform `cfg`.
    fn gated_by(&mut self, attrs: &[Attribute], walk: impl FnOnce(&mut Self)) {
        let gate = attrs.iter().any(is_platform_cfg);
        self.gates += usize::from(gate);
        walk(self);
        self.gates -= usize::from(gate);
    }

    fn check_path_words(&mut self, span: proc_macro2::Span, words: &[String]) {
        for pair in words.windows(2) {
            if pair[0] == "os" && (pair[1] == "unix" || pair[1] == "linux") {
                self.report(span, format!("`std::os::{}` outside a cfg gate", pair[1]));
            }
        }
    }

    fn check_literal(&mut self, lit: &LitStr) {
        let value = lit.value();
        if value
            .strip_prefix('/')
            .is_some_and(|rest| rest.starts_with("proc/"))
        {
            self.report(
                lit.span(),
                format!("{value:?} (a /proc path) outside a cfg gate"),
            );
        }
    }

    /// Macro bodies are tokens to `syn`: read them as comma-separated
    /// expressions when they are (`format!`, `assert!`, `vec!`...), and scan
    /// the tokens otherwise (`macro_rules!` bodies).
    fn check_macro_body(&mut self, mac: &Macro) {
        if mac.path.is_ident("cfg") {
            return;
        }
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        match mac.parse_body_with(parser) {
            Ok(exprs) => exprs.iter().for_each(|expr| self.visit_expr(expr)),
            Err(_) => self.scan_tokens(mac.tokens.clone()),
        }
    }

    fn scan_tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let idents: Vec<String> = trees
            .iter()
            .filter_map(|tree| match tree {
                TokenTree::Ident(ident) => Some(ident.to_string()),
                _ => None,
            })
            .collect();
        if let Some(first) = trees.first() {
            self.check_path_words(first.span(), &idents);
        }
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) => {
                    let is_call = group.delimiter() == Delimiter::Parenthesis
                        && i >= 1
                        && matches!(&trees[i - 1], TokenTree::Ident(id) if id == "new")
                        && i >= 4
                        && matches!(&trees[i - 4], TokenTree::Ident(id) if id == "Command");
                    if is_call {
                        let first = group.stream().into_iter().next();
                        if let Some(TokenTree::Literal(lit)) = first {
                            self.check_program(group.span(), &lit.to_string());
                        }
                    }
                    self.scan_tokens(group.stream());
                }
                TokenTree::Literal(lit) => {
                    if let Ok(lit) = syn::parse2::<LitStr>(TokenTree::Literal(lit.clone()).into()) {
                        self.check_literal(&lit);
                    }
                }
                _ => {}
            }
        }
    }

    fn check_program(&mut self, span: proc_macro2::Span, quoted: &str) {
        let program = quoted.trim_matches('"');
        if UNIX_PROGRAMS.contains(&program) {
            self.report(
                span,
                format!("`Command::new(\"{program}\")` outside a cfg gate"),
            );
        }
    }
}

/// `#[cfg(...)]` naming a platform: `unix`, `not(windows)`, `target_os = "linux"`...
fn is_platform_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
        && attr
            .meta
            .require_list()
            .is_ok_and(|list| mentions_platform(list.tokens.clone()))
}

fn mentions_platform(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => PLATFORM_WORDS.iter().any(|word| ident == word),
        TokenTree::Group(group) => mentions_platform(group.stream()),
        _ => false,
    })
}

/// An `if` whose condition holds `cfg!(<platform>)`.
fn is_platform_if(expr: &ExprIf) -> bool {
    struct FindCfg(bool);
    impl<'ast> Visit<'ast> for FindCfg {
        fn visit_macro(&mut self, mac: &'ast Macro) {
            self.0 |= mac.path.is_ident("cfg") && mentions_platform(mac.tokens.clone());
        }
    }
    let mut find = FindCfg(false);
    find.visit_expr(&expr.cond);
    find.0
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(x) => &x.attrs,
        Item::Enum(x) => &x.attrs,
        Item::ExternCrate(x) => &x.attrs,
        Item::Fn(x) => &x.attrs,
        Item::ForeignMod(x) => &x.attrs,
        Item::Impl(x) => &x.attrs,
        Item::Macro(x) => &x.attrs,
        Item::Mod(x) => &x.attrs,
        Item::Static(x) => &x.attrs,
        Item::Struct(x) => &x.attrs,
        Item::Trait(x) => &x.attrs,
        Item::TraitAlias(x) => &x.attrs,
        Item::Type(x) => &x.attrs,
        Item::Union(x) => &x.attrs,
        Item::Use(x) => &x.attrs,
        _ => &[],
    }
}

fn expr_attrs(expr: &Expr) -> &[Attribute] {
    match expr {
        Expr::Array(x) => &x.attrs,
        Expr::Assign(x) => &x.attrs,
        Expr::Async(x) => &x.attrs,
        Expr::Await(x) => &x.attrs,
        Expr::Binary(x) => &x.attrs,
        Expr::Block(x) => &x.attrs,
        Expr::Break(x) => &x.attrs,
        Expr::Call(x) => &x.attrs,
        Expr::Cast(x) => &x.attrs,
        Expr::Closure(x) => &x.attrs,
        Expr::Const(x) => &x.attrs,
        Expr::Field(x) => &x.attrs,
        Expr::ForLoop(x) => &x.attrs,
        Expr::If(x) => &x.attrs,
        Expr::Index(x) => &x.attrs,
        Expr::Let(x) => &x.attrs,
        Expr::Lit(x) => &x.attrs,
        Expr::Loop(x) => &x.attrs,
        Expr::Macro(x) => &x.attrs,
        Expr::Match(x) => &x.attrs,
        Expr::MethodCall(x) => &x.attrs,
        Expr::Paren(x) => &x.attrs,
        Expr::Path(x) => &x.attrs,
        Expr::Range(x) => &x.attrs,
        Expr::Reference(x) => &x.attrs,
        Expr::Repeat(x) => &x.attrs,
        Expr::Return(x) => &x.attrs,
        Expr::Struct(x) => &x.attrs,
        Expr::Try(x) => &x.attrs,
        Expr::Tuple(x) => &x.attrs,
        Expr::Unary(x) => &x.attrs,
        Expr::Unsafe(x) => &x.attrs,
        Expr::While(x) => &x.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for Checker {
    fn visit_item(&mut self, item: &'ast Item) {
        self.gated_by(item_attrs(item), |this| {
            if let Item::Mod(module) = item {
                if module.content.is_none() && this.gates > 0 {
                    this.gated_mods.push(module.ident.to_string());
                }
            }
            visit::visit_item(this, item);
        });
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.gated_by(&item.attrs, |this| visit::visit_impl_item_fn(this, item));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.gated_by(&item.attrs, |this| visit::visit_trait_item_fn(this, item));
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.gated_by(&local.attrs, |this| visit::visit_local(this, local));
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.gated_by(&arm.attrs, |this| visit::visit_arm(this, arm));
    }

    fn visit_stmt_macro(&mut self, stmt: &'ast syn::StmtMacro) {
        self.gated_by(&stmt.attrs, |this| this.check_macro_body(&stmt.mac));
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        self.gated_by(expr_attrs(expr), |this| visit::visit_expr(this, expr));
    }

    fn visit_expr_if(&mut self, expr: &'ast ExprIf) {
        let gate = is_platform_if(expr);
        self.gates += usize::from(gate);
        visit::visit_expr_if(self, expr);
        self.gates -= usize::from(gate);
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if let Expr::Path(func) = &*call.func {
            let segments: Vec<String> = func
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segments.ends_with(&["Command".to_owned(), "new".to_owned()]) {
                if let Some(Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                })) = call.args.first()
                {
                    self.check_program(call.span(), &lit.value());
                }
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let words: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.check_path_words(path.span(), &words);
        visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefixes = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut prefixes);
        for words in prefixes {
            self.check_path_words(item.span(), &words);
        }
    }

    fn visit_lit_str(&mut self, lit: &'ast LitStr) {
        self.check_literal(lit);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.check_macro_body(mac);
    }
}

/// Every path a `use` tree names, as words: `use std::{os::unix::fs, io}`
/// gives `std os unix fs` and `std io`.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_paths(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => out.push([&prefix[..], &[name.ident.to_string()]].concat()),
        syn::UseTree::Rename(rename) => {
            out.push([&prefix[..], &[rename.ident.to_string()]].concat());
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_paths(tree, prefix, out);
            }
        }
    }
}

/// The violations in one file's source, or why it does not parse.
fn check_source(source: &str) -> Result<Vec<Violation>, syn::Error> {
    check_module(source, false).map(|checked| checked.found)
}

/// Checks one file; `gated` when its `mod` declaration is. Returns the
/// checker, whose `gated_mods` name the modules declared in a gate.
fn check_module(source: &str, gated: bool) -> Result<Checker, syn::Error> {
    let file = syn::parse_file(source)?;
    let mut checker = Checker {
        gates: usize::from(gated),
        ..Checker::default()
    };
    // `#![cfg(unix)]` at the top gates the whole file.
    checker.gated_by(&file.attrs, |this| {
        file.items.iter().for_each(|item| this.visit_item(item));
    });
    Ok(checker)
}

/// The files `mod name;` in `file` may load: `name.rs` or `name/mod.rs`,
/// next to `lib.rs`, `main.rs` and `mod.rs`, else in a folder named after `file`.
fn module_files(file: &Path, name: &str) -> [PathBuf; 2] {
    let parent = file.parent().unwrap_or(Path::new(""));
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let dir = if matches!(stem, "lib" | "main" | "mod") {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
}

/// The workspace's Rust files: tracked ones, and new ones git does not
/// ignore; never `target/` or a reader's `exercises/`.
fn workspace_sources(root: &Path) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "*.rs",
        ])
        .current_dir(root)
        .output();
    let names: Vec<PathBuf> = match listed {
        Ok(out) if out.status.success() => out
            .stdout
            .split(|b| *b == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).into_owned()))
            .collect(),
        // A copy without git (an unpacked archive): walk the tree instead.
        _ => walk(root, root),
    };
    names
        .into_iter()
        .filter(|name| !name.starts_with("target") && !name.starts_with("exercises"))
        .filter(|name| root.join(name).is_file())
        .collect()
}

fn walk(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if path.is_dir() && !hidden {
            found.extend(walk(root, &path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.extend(path.strip_prefix(root).ok().map(Path::to_path_buf));
        }
    }
    found
}

#[test]
fn platform_specific_code_is_gated_everywhere_in_the_workspace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let files = workspace_sources(&root);
    assert!(
        files.len() >= 50,
        "found only {} Rust files under {}",
        files.len(),
        root.display()
    );
    let sources: Vec<String> = files
        .iter()
        .map(|file| {
            std::fs::read_to_string(root.join(file))
                .unwrap_or_else(|err| panic!("cannot read {}: {err}", file.display()))
        })
        .collect();
    // A file whose `mod` declaration is gated is gated as a whole; repeat
    // until no new such file turns up (gated modules may declare more).
    let mut gated_files: Vec<PathBuf> = Vec::new();
    let problems = loop {
        let mut problems = Vec::new();
        let mut newly_gated = Vec::new();
        for (file, source) in files.iter().zip(&sources) {
            match check_module(source, gated_files.contains(file)) {
                Ok(checked) => {
                    let name = file.to_string_lossy().replace('\\', "/");
                    problems.extend(checked.found.iter().map(|v| format!("{name}:{v}")));
                    for module in &checked.gated_mods {
                        newly_gated.extend(module_files(file, module));
                    }
                }
                Err(err) => problems.push(format!(
                    "{}:{}: does not parse: {err}",
                    file.display(),
                    err.span().start().line
                )),
            }
        }
        newly_gated.retain(|file| !gated_files.contains(file));
        if newly_gated.is_empty() {
            break problems;
        }
        gated_files.extend(newly_gated);
    };
    assert!(
        problems.is_empty(),
        "{} platform-specific uses outside #[cfg(unix)] / #[cfg(target_os = ...)] or an \
         `if cfg!(...)` branch (macOS and Windows readers could not build or run these):\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("checked {} Rust files", files.len());
}

/// Lines of the violations `check_source` finds in `source`.
fn lines(source: &str) -> Vec<usize> {
    check_source(source)
        .expect("the sample parses")
        .iter()
        .map(|v| v.line)
        .collect()
}

#[test]
fn ungated_uses_are_found_with_their_lines() {
    let source = r#"
use std::os::unix::fs::PermissionsExt;
use std::{io, os::linux::fs::MetadataExt};
fn f() {
    std::os::unix::fs::symlink("a", "b").unwrap();
    let status = std::fs::read_to_string("/proc/self/status");
    Command::new("kill").arg("-INT");
    std::process::Command::new("sh").arg("-c");
    let s = format!("/proc/{}/stat", 1);
    assert!(Command::new("id").status().is_ok());
}
macro_rules! m { () => { std::os::unix::fs::symlink("a", "b") }; }
"#;
    assert_eq!(lines(source), [2, 3, 5, 6, 7, 8, 9, 10, 12]);
    let found = check_source(source).expect("parses");
    assert!(found[0].what.contains("std::os::unix"), "{}", found[0]);
    assert!(found[3].what.contains("/proc"), "{}", found[3]);
    assert!(
        found[4].what.contains("Command::new(\"kill\")"),
        "{}",
        found[4]
    );
}

#[test]
fn gated_uses_are_accepted() {
    let source = r#"
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(target_os = "linux")]
fn rss() -> String { std::fs::read_to_string("/proc/self/status").unwrap() }
#[cfg(not(windows))]
mod unix_only { fn f() { std::os::unix::fs::symlink("a", "b").unwrap(); } }
fn g() {
    #[cfg(unix)]
    let out = Command::new("id").output();
    if cfg!(target_os = "linux") {
        let _ = std::fs::read("/proc/cpuinfo");
    } else {
        Command::new("sh");
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        Command::new("getconf").arg("CLK_TCK");
    }
    let fine = Command::new("ps");
    let path = "/procedure";
}
struct S;
impl S {
    #[cfg(unix)]
    fn kill(&self) { Command::new("kill"); }
}
"#;
    assert_eq!(lines(source), Vec::<usize>::new());
}

#[test]
fn a_gate_that_is_not_about_the_platform_does_not_count() {
    let source = r#"
#[cfg(test)]
fn f() { std::os::unix::fs::symlink("a", "b").unwrap(); }
fn g() { if cfg!(debug_assertions) { Command::new("kill"); } }
"#;
    assert_eq!(lines(source), [3, 4]);
}

#[test]
fn a_module_declared_in_a_gate_is_gated_in_its_own_file() {
    let parent = "#[cfg(unix)]\nmod unix_only;\nmod everywhere;\n";
    let checked = check_module(parent, false).expect("parses");
    assert_eq!(checked.gated_mods, ["unix_only"]);
    let child = "fn f() { std::os::unix::fs::symlink(\"a\", \"b\").unwrap(); }\n";
    assert!(check_module(child, true).expect("parses").found.is_empty());
    assert_eq!(check_module(child, false).expect("parses").found.len(), 1);
    let [flat, nested] = module_files(Path::new("src/lib.rs"), "unix_only");
    assert_eq!(
        (flat, nested),
        ("src/unix_only.rs".into(), "src/unix_only/mod.rs".into())
    );
    let [flat, _] = module_files(Path::new("src/scaling.rs"), "probe");
    assert_eq!(flat, PathBuf::from("src/scaling/probe.rs"));
}

#[test]
fn a_file_gated_at_the_top_is_accepted() {
    let source = "#![cfg(unix)]\nfn f() { std::os::unix::fs::symlink(\"a\", \"b\").unwrap(); }\n";
    assert_eq!(lines(source), Vec::<usize>::new());
}
