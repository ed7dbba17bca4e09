//! Every Rust construct a step's code uses is introduced on that step's page
//! of the guide, or on an earlier one, in both languages: the reader types
//! the code, so nothing they type may be left unexplained.
//!
//! The constructs come from the code, not from a list kept by hand: `syn`
//! parses every `src/*.rs` of each chapter crate and [`Collector`] names what
//! it meets. Two kinds:
//!
//! - **syntax**, named by a fixed form: `let mut`, `?`, `match`, `||`,
//!   `impl Trait`, `#[cfg(unix)]`, `{name}` in a format string, … (see
//!   [`Collector::syntax`] calls). A node the collector has no name for is
//!   reported under its kind and text, like `expr:[0; 4]`, so a new kind of
//!   code fails here until someone names it and a page introduces it.
//! - **names** the code takes from outside itself: every name a `use` brings in
//!   and each crate it names (`std`, `common`, `socket2`), every segment of a
//!   path that starts from one (`Socket::new`, `common::show_url`), every
//!   name that is not defined in the crate (the prelude's `Ok`, `Some`,
//!   `Box`, `drop`, the types `str`, `usize`), every method called on a value
//!   (`.into()`, `.map(drop)`) that the crate does not define, every macro.
//!   The crate's own functions, types, modules and variables are not names
//!   to introduce: the reader writes them.
//!
//! Left out on purpose, because they read as in Python: literals (strings,
//! numbers, `true`), plain `=`, field access `a.b`, calling with `()`,
//! parentheses and blocks.
//!
//! A page **introduces** a construct with a bold term, `**…**`, in its prose
//! (not in a fenced block), as the "Rust you meet here" lists do:
//! `- **`let mut`**：…`. A syntax form is introduced by a code span inside a
//! bold term that equals its form exactly; a name, by a code span inside a
//! bold term that contains it as a word (`**`Socket::new`**` introduces
//! `Socket` and `new`).
//!
//! A bold term inside a column (`<details><summary>コラム: …</summary>` …
//! `</details>`) introduces as well as one on the main path: the page folds
//! its Rust lists away, and a reader opens them when the code needs them.
//!
//! [`STEPS`] lists each crate with its page, in reading order; a construct
//! first used in step N must be introduced on one of the pages 1..=N.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// Each chapter crate and its page in `docs/LANG/`, in the order a reader
/// follows them. A new step joins with one line.
const STEPS: &[(&str, &str)] = &[
    ("chapter12-sequential", "chapter12.md"),
    ("chapter13-refactor", "chapter13-refactor.md"),
    ("chapter13-threaded", "chapter13-threaded.md"),
    ("chapter13-threadpool", "chapter13-threadpool.md"),
    ("chapter13-async", "chapter13-async.md"),
];

/// The guide's languages, each a folder under `docs/`.
const LANGUAGES: [&str; 2] = ["ja", "en"];

/// How a page must name a construct to introduce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A code span equal to the form.
    Syntax,
    /// A code span containing the name as a word.
    Name,
}

/// One use of a construct in the code.
#[derive(Debug, Clone)]
struct Use {
    kind: Kind,
    /// The form (`let mut`) or the name (`Socket`).
    key: String,
    /// `chapter12-sequential/src/main.rs:28:18`.
    place: String,
    /// The source line, trimmed.
    line: String,
}

/// The workspace's top folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("test-support is inside the workspace")
        .to_path_buf()
}

/// A crate's `src/*.rs`, `main.rs` and `lib.rs` first, then by name.
fn sources(krate: &str) -> Vec<(String, String)> {
    let dir = workspace_root().join(krate).join("src");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("read {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort_by_key(|path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        (name != "main.rs" && name != "lib.rs", name)
    });
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
            let name = path.file_name().expect("a file").to_string_lossy();
            (format!("{krate}/src/{name}"), text)
        })
        .collect()
}

/// Everything a crate's files use, in file order, then line order.
fn crate_uses(files: &[(String, String)]) -> Vec<Use> {
    let parsed: Vec<(&String, &String, syn::File)> = files
        .iter()
        .map(|(name, text)| {
            let file = syn::parse_file(text).unwrap_or_else(|err| panic!("parse {name}: {err}"));
            (name, text, file)
        })
        .collect();
    // What the crate defines itself, across its files: not names to introduce.
    let mut own = Definitions::default();
    for (_, _, file) in &parsed {
        own.visit_file(file);
    }
    let mut uses = Vec::new();
    for (name, text, file) in &parsed {
        let mut collector = Collector {
            file: name,
            lines: text.lines().collect(),
            own: &own.names,
            own_fns: &own.fns,
            imported: BTreeSet::new(),
            let_top: None,
            found: Vec::new(),
        };
        collector.comments();
        collector.visit_file(file);
        collector
            .found
            .sort_by_key(|u| place_order(&u.place).unwrap_or_default());
        uses.extend(collector.found);
    }
    uses
}

/// `(line, column)` of a place, for sorting.
fn place_order(place: &str) -> Option<(usize, usize)> {
    let mut parts = place.rsplit(':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some((line, column))
}

/// The names a crate defines: functions, types, modules, variables, fields.
#[derive(Default)]
struct Definitions {
    names: BTreeSet<String>,
    /// Functions and methods only: a method call is the crate's own only
    /// when the crate defines a function of that name.
    fns: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Definitions {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let ident = match item {
            syn::Item::Fn(i) => {
                self.fns.insert(i.sig.ident.to_string());
                Some(&i.sig.ident)
            }
            syn::Item::Mod(i) => Some(&i.ident),
            syn::Item::Struct(i) => Some(&i.ident),
            syn::Item::Enum(i) => Some(&i.ident),
            syn::Item::Type(i) => Some(&i.ident),
            syn::Item::Const(i) => Some(&i.ident),
            syn::Item::Static(i) => Some(&i.ident),
            syn::Item::Trait(i) => Some(&i.ident),
            _ => None,
        };
        if let Some(ident) = ident {
            self.names.insert(ident.to_string());
        }
        visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.names.insert(item.sig.ident.to_string());
        self.fns.insert(item.sig.ident.to_string());
        visit::visit_impl_item_fn(self, item);
    }

    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        self.names.insert(pat.ident.to_string());
        visit::visit_pat_ident(self, pat);
    }

    fn visit_field(&mut self, field: &'ast syn::Field) {
        if let Some(ident) = &field.ident {
            self.names.insert(ident.to_string());
        }
        visit::visit_field(self, field);
    }

    fn visit_generic_param(&mut self, param: &'ast syn::GenericParam) {
        if let syn::GenericParam::Type(t) = param {
            self.names.insert(t.ident.to_string());
        }
        visit::visit_generic_param(self, param);
    }
}

/// Walks one file and records each construct it meets.
struct Collector<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    /// What the crate defines.
    own: &'a BTreeSet<String>,
    /// The functions the crate defines.
    own_fns: &'a BTreeSet<String>,
    /// Names this file's `use` items bring in, and the crates they name.
    imported: BTreeSet<String>,
    /// The binding a `let` introduces, already counted as `let mut`.
    let_top: Option<(usize, usize)>,
    found: Vec<Use>,
}

impl Collector<'_> {
    fn record(&mut self, kind: Kind, key: &str, span: Span) {
        let start = span.start();
        let line = self
            .lines
            .get(start.line.saturating_sub(1))
            .map(|l| l.trim().to_owned())
            .unwrap_or_default();
        self.found.push(Use {
            kind,
            key: key.to_owned(),
            place: format!("{}:{}:{}", self.file, start.line, start.column + 1),
            line,
        });
    }

    /// The source text a span covers on one line, spaces removed
    /// (`cfg(unix)`, `+=`).
    fn span_text(&self, span: Span) -> String {
        let (start, end) = (span.start(), span.end());
        let line = self.lines.get(start.line.saturating_sub(1)).copied();
        let line = line.unwrap_or_default();
        let end = if end.line == start.line {
            end.column
        } else {
            line.chars().count()
        };
        line.chars()
            .skip(start.column)
            .take(end.saturating_sub(start.column))
            .filter(|c| !c.is_whitespace())
            .collect()
    }

    /// A node the collector has no name for: named by its kind and text,
    /// so that it fails until someone names it.
    fn unnamed(&mut self, kind: &str, span: Span) {
        let text: String = self.span_text(span).chars().take(20).collect();
        self.syntax(&format!("{kind}:{text}"), span);
    }

    fn syntax(&mut self, form: &str, span: Span) {
        self.record(Kind::Syntax, form, span);
    }

    fn name(&mut self, name: &str, span: Span) {
        self.record(Kind::Name, name, span);
    }

    /// `//` comments: not in the syntax tree, so found in the text (outside
    /// string literals, as far as a line shows).
    fn comments(&mut self) {
        for (i, line) in self.lines.clone().iter().enumerate() {
            let mut quotes = 0;
            let bytes = line.as_bytes();
            for (j, &b) in bytes.iter().enumerate() {
                if b == b'"' {
                    quotes += 1;
                }
                let is_comment = b == b'/'
                    && bytes.get(j + 1) == Some(&b'/')
                    && quotes % 2 == 0
                    && !matches!(bytes.get(j + 2), Some(b'/' | b'!'));
                if is_comment {
                    self.found.push(Use {
                        kind: Kind::Syntax,
                        key: "//".to_owned(),
                        place: format!("{}:{}:{}", self.file, i + 1, j + 1),
                        line: line.trim().to_owned(),
                    });
                    break;
                }
                if b == b'/' && bytes.get(j + 1) == Some(&b'/') {
                    break; // a doc comment: syn sees it
                }
            }
        }
    }

    /// Whether a path's first segment is something the crate defines or binds.
    fn is_own(&self, ident: &str) -> bool {
        self.own.contains(ident) || ident == "self" || ident == "crate" || ident == "super"
    }

    /// The placeholders of a format string: `{name}`, `{}`, `{:?}`, ...
    fn format_string(&mut self, lit: &syn::LitStr) {
        let text = lit.value();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '{' {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    continue;
                }
                let inside: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let (arg, spec) = inside.split_once(':').unwrap_or((&inside, ""));
                let form = match (arg.is_empty(), spec.is_empty()) {
                    (true, true) => "{}".to_owned(),
                    (false, true) if arg.chars().all(|c| c.is_ascii_digit()) => "{0}".to_owned(),
                    (false, true) => "{name}".to_owned(),
                    (_, false) => format!("{{:{spec}}}"),
                };
                self.syntax(&form, lit.span());
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, parent: Option<&syn::Ident>, root: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                if root && !self.is_own(&p.ident.to_string()) {
                    self.imported.insert(p.ident.to_string());
                    self.name(&p.ident.to_string(), p.ident.span());
                }
                self.use_tree(&p.tree, Some(&p.ident), false);
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(parent) = parent {
                        self.imported.insert(parent.to_string());
                        self.name(&parent.to_string(), n.ident.span());
                    }
                } else {
                    self.imported.insert(name.clone());
                    self.name(&name, n.ident.span());
                }
            }
            syn::UseTree::Rename(r) => {
                self.syntax("as", r.as_token.span);
                self.imported.insert(r.rename.to_string());
                self.name(&r.ident.to_string(), r.ident.span());
            }
            syn::UseTree::Glob(g) => self.syntax("*", g.star_token.span),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(tree, parent, root);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if attr.path().is_ident("doc") {
            let form = match attr.style {
                syn::AttrStyle::Inner(_) => "//!",
                syn::AttrStyle::Outer => "///",
            };
            self.syntax(form, attr.span());
        } else {
            let form = format!("#[{}]", self.span_text(attr.meta.span()));
            self.syntax(&form, attr.span());
        }
        // The attribute's words are not paths the reader meets.
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let span = item.span();
        match item {
            syn::Item::Use(_) => self.syntax("use", span),
            syn::Item::Mod(m) => {
                self.syntax("mod", m.mod_token.span);
            }
            syn::Item::Fn(f) => self.syntax("fn", f.sig.fn_token.span),
            syn::Item::Struct(s) => self.syntax("struct", s.struct_token.span),
            syn::Item::Enum(e) => self.syntax("enum", e.enum_token.span),
            syn::Item::Type(t) => self.syntax("type", t.type_token.span),
            syn::Item::Const(c) => self.syntax("const", c.const_token.span),
            syn::Item::Static(s) => self.syntax("static", s.static_token.span),
            syn::Item::Trait(t) => self.syntax("trait", t.trait_token.span),
            syn::Item::Impl(i) => {
                if i.trait_.is_some() {
                    self.syntax("impl Trait for Type", i.impl_token.span);
                } else {
                    self.syntax("impl", i.impl_token.span);
                }
            }
            syn::Item::Macro(m) => self.syntax("macro_rules!", m.span()),
            _ => self.unnamed("item", span),
        }
        if let syn::Item::Use(u) = item {
            for attr in &u.attrs {
                self.visit_attribute(attr);
            }
            self.visit_visibility(&u.vis);
            self.use_tree(&u.tree, None, true);
            return;
        }
        visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.syntax("fn", f.sig.fn_token.span);
        visit::visit_impl_item_fn(self, f);
    }

    fn visit_visibility(&mut self, vis: &'ast syn::Visibility) {
        match vis {
            syn::Visibility::Public(p) => self.syntax("pub", p.span),
            syn::Visibility::Restricted(r) => self.syntax("pub(crate)", r.span()),
            syn::Visibility::Inherited => {}
        }
    }

    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        if let Some(a) = &sig.asyncness {
            self.syntax("async fn", a.span);
        }
        if let Some(u) = &sig.unsafety {
            self.syntax("unsafe", u.span);
        }
        if !sig.generics.params.is_empty() {
            self.syntax("<T>", sig.generics.span());
        }
        visit::visit_signature(self, sig);
    }

    fn visit_receiver(&mut self, receiver: &'ast syn::Receiver) {
        let form = match (&receiver.reference, &receiver.mutability) {
            (Some(_), Some(_)) => "&mut self",
            (Some(_), None) => "&self",
            (None, Some(_)) => "mut self",
            (None, None) => "self",
        };
        self.syntax(form, receiver.span());
        if let Some(ty) = receiver.colon_token.and(Some(&receiver.ty)) {
            self.visit_type(ty);
        }
    }

    fn visit_where_clause(&mut self, clause: &'ast syn::WhereClause) {
        self.syntax("where", clause.where_token.span);
        visit::visit_where_clause(self, clause);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.syntax("let", local.let_token.span);
        let mut pat: &syn::Pat = &local.pat;
        if let syn::Pat::Type(typed) = pat {
            self.syntax(": Type", typed.colon_token.span);
            pat = &typed.pat;
        }
        if let syn::Pat::Ident(ident) = pat {
            if ident.mutability.is_some() {
                self.syntax("let mut", local.let_token.span);
                let start = ident.ident.span().start();
                self.let_top = Some((start.line, start.column));
            }
        }
        if let Some(init) = &local.init {
            if let Some((else_token, _)) = &init.diverge {
                self.syntax("let ... else", else_token.span);
            }
        }
        visit::visit_local(self, local);
    }

    fn visit_pat(&mut self, pat: &'ast syn::Pat) {
        let span = pat.span();
        match pat {
            syn::Pat::Ident(_) | syn::Pat::Path(_) | syn::Pat::Type(_) | syn::Pat::Paren(_) => {}
            syn::Pat::Lit(_) => {}
            syn::Pat::Tuple(t) if t.elems.is_empty() => self.syntax("()", span),
            syn::Pat::Tuple(_) => self.syntax("(a, b)", span),
            syn::Pat::TupleStruct(_) => self.syntax("Variant(value)", span),
            syn::Pat::Or(_) => self.syntax("A | B", span),
            syn::Pat::Wild(_) => self.syntax("_", span),
            syn::Pat::Struct(_) => self.syntax("Type { field }", span),
            syn::Pat::Reference(_) => self.syntax("&pattern", span),
            syn::Pat::Range(_) => self.syntax("..", span),
            syn::Pat::Rest(_) => self.syntax("..", span),
            syn::Pat::Slice(_) => self.syntax("[a, b]", span),
            _ => self.unnamed("pat", span),
        }
        visit::visit_pat(self, pat);
    }

    fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
        let start = pat.ident.span().start();
        if pat.mutability.is_some() && self.let_top != Some((start.line, start.column)) {
            self.syntax("mut", pat.span());
        }
        if pat.by_ref.is_some() {
            self.syntax("ref", pat.span());
        }
        visit::visit_pat_ident(self, pat);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        use syn::Expr as E;
        let span = expr.span();
        match expr {
            E::Call(_) | E::Field(_) | E::Paren(_) | E::Group(_) | E::Block(_) => {}
            E::Assign(_) | E::Lit(_) | E::Path(_) | E::Macro(_) | E::MethodCall(_) => {}
            E::Array(_) => self.syntax("[a, b]", span),
            E::Async(_) => self.syntax("async", span),
            E::Await(a) => self.syntax(".await", a.await_token.span),
            E::Binary(b) => {
                let op = self.span_text(b.op.span());
                self.syntax(&op, b.op.span());
            }
            E::Break(_) => self.syntax("break", span),
            E::Cast(_) => self.syntax("as", span),
            E::Closure(c) => {
                if c.capture.is_some() {
                    self.syntax("move ||", span);
                } else {
                    self.syntax("||", span);
                }
                if c.asyncness.is_some() {
                    self.syntax("async ||", span);
                }
            }
            E::Continue(_) => self.syntax("continue", span),
            E::ForLoop(_) => self.syntax("for", span),
            E::If(i) => {
                if matches!(*i.cond, E::Let(_)) {
                    self.syntax("if let", span);
                } else {
                    self.syntax("if", span);
                }
                if i.else_branch.is_some() {
                    self.syntax("else", span);
                }
            }
            E::Let(_) => {} // counted as `if let` or `while let`
            E::Index(_) => self.syntax("a[i]", span),
            E::Loop(_) => self.syntax("loop", span),
            E::Match(_) => self.syntax("match", span),
            E::Range(_) => self.syntax("..", span),
            E::Reference(r) if r.mutability.is_some() => self.syntax("&mut", span),
            E::Reference(_) => self.syntax("&", span),
            E::Return(_) => self.syntax("return", span),
            E::Struct(_) => self.syntax("Type { field: value }", span),
            E::Try(t) => self.syntax("?", t.question_token.span),
            E::Tuple(t) if t.elems.is_empty() => self.syntax("()", span),
            E::Tuple(_) => self.syntax("(a, b)", span),
            E::Unary(u) => {
                let op = self.span_text(u.op.span());
                self.syntax(&op, span);
            }
            E::Unsafe(_) => self.syntax("unsafe", span),
            E::While(w) => {
                if matches!(*w.cond, E::Let(_)) {
                    self.syntax("while let", span);
                } else {
                    self.syntax("while", span);
                }
            }
            _ => self.unnamed("expr", span),
        }
        if let E::Lit(lit) = expr {
            match &lit.lit {
                syn::Lit::ByteStr(_) => self.syntax("b\"…\"", span),
                syn::Lit::Byte(_) => self.syntax("b'…'", span),
                syn::Lit::Char(_) => self.syntax("'c'", span),
                syn::Lit::Str(s) if s.token().to_string().starts_with('r') => {
                    self.syntax("r\"…\"", span)
                }
                _ => {}
            }
        }
        visit::visit_expr(self, expr);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if !self.own_fns.contains(&method) {
            self.name(&method, call.method.span());
        }
        if call.turbofish.is_some() {
            self.syntax("::<T>", call.span());
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_type(&mut self, ty: &'ast syn::Type) {
        use syn::Type as T;
        let span = ty.span();
        match ty {
            T::Path(_) | T::Paren(_) | T::Group(_) => {}
            T::Reference(r) if r.mutability.is_some() => self.syntax("&mut", span),
            T::Reference(_) => self.syntax("&", span),
            T::ImplTrait(_) => self.syntax("impl Trait", span),
            T::TraitObject(_) => self.syntax("dyn Trait", span),
            T::Tuple(t) if t.elems.is_empty() => self.syntax("()", span),
            T::Tuple(_) => self.syntax("(A, B)", span),
            T::BareFn(_) => self.syntax("fn()", span),
            T::Never(_) => self.syntax("!", span),
            T::Slice(_) => self.syntax("[T]", span),
            T::Array(_) => self.syntax("[T; N]", span),
            T::Ptr(_) => self.syntax("*const T", span),
            T::Infer(_) => self.syntax("_", span),
            _ => self.unnamed("type", span),
        }
        visit::visit_type(self, ty);
    }

    fn visit_type_param_bound(&mut self, bound: &'ast syn::TypeParamBound) {
        if let syn::TypeParamBound::Trait(t) = bound {
            if t.paren_token.is_some() {
                self.syntax("(Trait)", t.span());
            }
        }
        visit::visit_type_param_bound(self, bound);
    }

    fn visit_type_impl_trait(&mut self, ty: &'ast syn::TypeImplTrait) {
        if ty.bounds.len() > 1 {
            self.syntax("A + B", ty.span());
        }
        visit::visit_type_impl_trait(self, ty);
    }

    fn visit_angle_bracketed_generic_arguments(
        &mut self,
        args: &'ast syn::AngleBracketedGenericArguments,
    ) {
        self.syntax("<T>", args.span());
        visit::visit_angle_bracketed_generic_arguments(self, args);
    }

    fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
        let form = if lifetime.ident == "static" {
            "'static"
        } else {
            "'a"
        };
        self.syntax(form, lifetime.span());
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 || path.leading_colon.is_some() {
            self.syntax("::", path.span());
        }
        // `FnOnce()`: a closure trait, written with its arguments in `( )`.
        for segment in &path.segments {
            if let syn::PathArguments::Parenthesized(args) = &segment.arguments {
                self.syntax(&format!("{}()", segment.ident), args.span());
            }
        }
        let first = segments.first().cloned().unwrap_or_default();
        if first == "self" {
            self.syntax("self", path.span());
        } else if first == "Self" {
            self.syntax("Self", path.span());
        } else if !self.is_own(&first) || self.imported.contains(&first) {
            for segment in &path.segments {
                self.name(&segment.ident.to_string(), segment.ident.span());
            }
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        self.name(&name, mac.path.span());
        if mac.path.segments.len() > 1 {
            self.syntax("::", mac.path.span());
        }
        // Format-like arguments: a string, then expressions.
        let args = mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
        if let Ok(args) = args {
            for (i, arg) in args.iter().enumerate() {
                match arg {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) if i == 0 => self.format_string(s),
                    _ => self.visit_expr(arg),
                }
            }
        }
    }
}

/// The code spans inside each bold term (`**…**`) of a page's prose, with
/// the line each is on.
fn introduced(markdown: &str) -> Vec<(String, usize)> {
    let mut terms = Vec::new();
    let mut in_block = false;
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        // Split on `**` outside code spans: odd pieces are bold.
        let mut pieces = vec![String::new()];
        let mut in_code = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '`' {
                in_code = !in_code;
            }
            if c == '*' && !in_code && chars.peek() == Some(&'*') {
                chars.next();
                pieces.push(String::new());
                continue;
            }
            pieces.last_mut().expect("one piece at least").push(c);
        }
        for bold in pieces.iter().skip(1).step_by(2) {
            for (j, span) in bold.split('`').enumerate() {
                if j % 2 == 1 {
                    terms.push((span.trim().to_owned(), i + 1));
                }
            }
        }
    }
    terms
}

/// Whether a bold code span introduces this construct.
fn introduces(span: &str, kind: Kind, key: &str) -> bool {
    match kind {
        Kind::Syntax => span == key,
        Kind::Name => span
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == key),
    }
}

/// What a writer should put on the page to introduce `u`.
fn suggestion(u: &Use) -> String {
    match u.kind {
        Kind::Syntax => format!("**`{}`**", u.key),
        Kind::Name => format!(
            "a bold term whose code names `{}`, e.g. **`{}`**",
            u.key, u.key
        ),
    }
}

/// For each step in order, its crate's first use of each construct not used
/// by an earlier step; then, for each, the pages (by step index) that
/// introduce it. Returns one message per construct used before its page.
fn check(lang: &str, steps: &[(&str, &str)], uses: &[Vec<Use>], pages: &[String]) -> Vec<String> {
    let terms: Vec<Vec<(String, usize)>> = pages.iter().map(|p| introduced(p)).collect();
    let mut seen: BTreeSet<(Kind, String)> = BTreeSet::new();
    let mut wrong = Vec::new();
    for (step, step_uses) in uses.iter().enumerate() {
        for u in step_uses {
            if !seen.insert((u.kind, u.key.clone())) {
                continue;
            }
            let introduced_on: Vec<usize> = terms
                .iter()
                .enumerate()
                .filter(|(_, t)| t.iter().any(|(span, _)| introduces(span, u.kind, &u.key)))
                .map(|(i, _)| i)
                .collect();
            if introduced_on.iter().any(|&i| i <= step) {
                continue;
            }
            let page = format!("docs/{lang}/{}", steps[step].1);
            let later = match introduced_on.first() {
                Some(&i) => format!(" (docs/{lang}/{} introduces it, a later page)", steps[i].1),
                None => String::new(),
            };
            wrong.push(format!(
                "`{}` is used at {} (`{}`) but no page up to {page} introduces it{later}.\n    \
                 Introduce it on {page} with {}.",
                u.key,
                u.place,
                u.line,
                suggestion(u)
            ));
        }
    }
    wrong
}

/// Every construct each step's code uses, by step.
fn all_uses(steps: &[(&str, &str)]) -> Vec<Vec<Use>> {
    steps
        .iter()
        .map(|(krate, _)| crate_uses(&sources(krate)))
        .collect()
}

#[test]
fn every_construct_is_introduced_at_or_before_the_step_that_uses_it() {
    let uses = all_uses(STEPS);
    let counts: BTreeMap<&str, usize> = STEPS
        .iter()
        .zip(&uses)
        .map(|((krate, _), u)| (*krate, u.len()))
        .collect();
    assert!(
        counts.values().all(|&n| n > 20),
        "the collector found almost nothing: {counts:?}"
    );
    let mut wrong = Vec::new();
    for lang in LANGUAGES {
        let pages: Vec<String> = STEPS
            .iter()
            .map(|(_, page)| {
                let path = workspace_root().join("docs").join(lang).join(page);
                fs::read_to_string(&path)
                    .unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
            })
            .collect();
        wrong.extend(check(lang, STEPS, &uses, &pages));
    }
    assert!(
        wrong.is_empty(),
        "{} construct(s) used before a page introduces them:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The uses found in a snippet, as `key` strings.
fn keys_of(code: &str) -> Vec<String> {
    let files = vec![("demo/src/main.rs".to_owned(), code.to_owned())];
    crate_uses(&files).into_iter().map(|u| u.key).collect()
}

#[test]
fn the_collector_names_syntax_imports_and_outside_names() {
    let keys = keys_of(
        "//! Demo.\nuse std::sync::{Arc, mpsc};\n#[cfg(unix)]\nfn run(x: &str) -> Option<usize> {\n    \
         let mut n = 0; // count\n    n += 1;\n    let Some(c) = x.chars().next() else { return None };\n    \
         let f = move || Arc::new(c);\n    info!(\"{n} {}\", c);\n    Some(n)\n}\n",
    );
    for wanted in [
        "//!",
        "use",
        "std",
        "Arc",
        "mpsc",
        "#[cfg(unix)]",
        "fn",
        "&",
        "str",
        "<T>",
        "Option",
        "usize",
        "let",
        "let mut",
        "//",
        "+=",
        "let ... else",
        "Variant(value)",
        "chars",
        "next",
        "return",
        "None",
        "move ||",
        "::",
        "new",
        "info",
        "{name}",
        "{}",
        "Some",
    ] {
        assert!(
            keys.iter().any(|k| k == wanted),
            "{wanted:?} not in {keys:?}"
        );
    }
    // The crate's own names (`run`, `n`, `x`, `c`, `f`) are not constructs.
    for own in ["run", "n", "x", "c", "f"] {
        assert!(!keys.iter().any(|k| k == own), "{own:?} in {keys:?}");
    }
}

#[test]
fn a_construct_missing_from_its_page_is_reported_with_place_and_page() {
    let steps = [("one", "one.md"), ("two", "two.md")];
    let code = |text: &str| vec![("x/src/main.rs".to_owned(), text.to_owned())];
    let uses = vec![
        crate_uses(&code("fn main() { loop { break; } }\n")),
        crate_uses(&code("fn main() { let mut n = 1; n += 1; }\n")),
    ];
    let pages = [
        "- **`fn` と `loop`**: ...\n- **`break`**\n".to_owned(),
        "Text with `let mut` but not bold.\n\n```rust\n**`+=`**\n```\n".to_owned(),
    ];
    let wrong = check("ja", &steps, &uses, &pages);
    let keys: Vec<&str> = wrong.iter().filter_map(|w| w.split('`').nth(1)).collect();
    assert_eq!(keys, ["let", "let mut", "+="], "{wrong:#?}");
    assert!(wrong[1].contains("x/src/main.rs:1:13"), "{}", wrong[1]);
    assert!(wrong[1].contains("docs/ja/two.md"), "{}", wrong[1]);
    // Introduced on a later page only: still wrong, and said so.
    let pages = [pages[0].clone(), "**`let` `let mut` `+=`**".to_owned()];
    let uses_early = vec![uses[1].clone(), uses[0].clone()];
    let wrong = check("en", &steps, &uses_early, &pages);
    assert!(
        wrong.iter().any(|w| w.contains("a later page")),
        "{wrong:#?}"
    );
}

#[test]
fn a_bold_term_inside_a_column_introduces_its_construct() {
    let steps = [("one", "one.md")];
    let code = vec![(
        "x/src/main.rs".to_owned(),
        "fn main() { let mut n = 1; n += 1; }\n".to_owned(),
    )];
    let uses = vec![crate_uses(&code)];
    let folded = "Main path.\n\n<details><summary>コラム: Rust</summary>\n\n\
                  - **`fn`**、**`let`**、**`let mut`**、**`+=`**：…\n\n</details>\n";
    assert_eq!(
        check("ja", &steps, &uses, &[folded.to_owned()]),
        Vec::<String>::new()
    );
    // The same terms in a code block introduce nothing.
    let in_code = "```md\n- **`fn`**、**`let`**、**`let mut`**、**`+=`**\n```\n";
    assert_eq!(check("ja", &steps, &uses, &[in_code.to_owned()]).len(), 4);
}
