//! Every sentence the report prints, in Japanese and English.

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Japanese, the book's language.
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Japanese when `LANG` starts with `ja` (e.g. `ja_JP.UTF-8`), else English.
    pub fn from_env() -> Lang {
        match std::env::var("LANG") {
            Ok(lang) if lang.starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// `ja` or `en`: the guide's folder.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// One sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A sentence from its two versions.
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// The version for `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// `self: other`, with each language's colon.
    pub fn then(&self, other: &Text) -> Text {
        Text::new(
            format!("{}：{}", self.ja, other.ja),
            format!("{}: {}", self.en, other.en),
        )
    }

    /// Both versions joined with `sep` and `other`'s.
    pub fn join(&self, sep: &str, other: &Text) -> Text {
        Text::new(
            format!("{}{sep}{}", self.ja, other.ja),
            format!("{}{sep}{}", self.en, other.en),
        )
    }
}

/// The language of the server checked, which decides the fix a hint names:
/// the book's Python, or this workspace's Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerLang {
    /// Not known (a server already running, no `--server`): both fixes.
    #[default]
    Unknown,
    /// The book's language: `python webserver.py`.
    Python,
    /// A Rust exercise or step: `cargo run …`, or a binary under `target/`.
    Rust,
}

impl ServerLang {
    /// `python` or `rust` (`--server`); anything else is not a language.
    pub fn parse(name: &str) -> Option<ServerLang> {
        match name.trim().to_ascii_lowercase().as_str() {
            "python" | "py" => Some(ServerLang::Python),
            "rust" | "rs" => Some(ServerLang::Rust),
            _ => None,
        }
    }

    /// What a command runs, from its words: `python`, `py` or a `.py` file
    /// is Python; `cargo`, `rustc` or a program under a `target/` folder
    /// (`target/debug/chapter13-threaded`) is Rust.
    pub fn of_command(words: &[String]) -> ServerLang {
        let Some(program) = words.first() else {
            return ServerLang::Unknown;
        };
        let path = std::path::Path::new(program);
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let in_target = path.components().any(|c| c.as_os_str() == "target");
        if name.starts_with("python") || name == "py" || name.starts_with("pypy") {
            ServerLang::Python
        } else if name == "cargo" || name == "rustc" || in_target {
            ServerLang::Rust
        } else if words.iter().skip(1).any(|w| w.ends_with(".py")) {
            ServerLang::Python
        } else {
            ServerLang::Unknown
        }
    }
}

/// A cause and its fix, twice: in the book's Python names
/// (`WorkerThread(...).start()`, `MIME_TYPES`), and in this workspace's Rust
/// names (`thread::Builder::spawn`, `get_content_type`). The report shows the
/// one for the server's language ([`ServerLang`]), or both when it is not
/// known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hint {
    /// For a Python server, as the book writes it.
    pub python: Text,
    /// For a Rust server, in this workspace's names.
    pub rust: Text,
}

impl Hint {
    /// A cause whose fix is written differently in each language.
    pub fn new(python: Text, rust: Text) -> Hint {
        Hint { python, rust }
    }

    /// A cause whose words fit both languages.
    pub fn same(text: Text) -> Hint {
        Hint {
            python: text.clone(),
            rust: text,
        }
    }

    /// The lines for `server`: one, or for an unknown language the Python
    /// one and then the Rust one, labelled, when they differ.
    pub fn lines(&self, server: ServerLang) -> Vec<Text> {
        match server {
            ServerLang::Python => vec![self.python.clone()],
            ServerLang::Rust => vec![self.rust.clone()],
            ServerLang::Unknown if self.python == self.rust => vec![self.python.clone()],
            ServerLang::Unknown => vec![
                self.python.clone(),
                Text::new(
                    format!("Rust なら：{}", self.rust.ja),
                    format!("in Rust: {}", self.rust.en),
                ),
            ],
        }
    }

    /// The version for `server`'s language (Python when not known).
    pub fn get(&self, server: ServerLang) -> &Text {
        match server {
            ServerLang::Rust => &self.rust,
            ServerLang::Python | ServerLang::Unknown => &self.python,
        }
    }
}

/// A section of the book, and the guide page that follows it.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// The book's chapter and section, in Japanese (the book's own words).
    pub book_ja: &'static str,
    /// The same, for an English reader (the section title kept in Japanese).
    pub book_en: &'static str,
    /// The guide page under `docs/<lang>/`.
    pub guide: &'static str,
}

/// Book chapter 10: the head of a proper answer, each line ending `\r\n`.
pub const CH10_HEAD: Source = Source {
    book_ja: "第10章「きちんとしたヘッダーを返す「まともなWebサーバー」へ改良する」",
    book_en: "chapter 10, 「きちんとしたヘッダーを返す「まともなWebサーバー」へ改良する」 (return a proper head)",
    guide: "chapter12.md",
};
/// Book chapter 11: serving the file the request names.
pub const CH11_FILE: Source = Source {
    book_ja: "第11章「リクエストを解釈し、指定されたHTMLファイルを返せるようにする」",
    book_en: "chapter 11, 「リクエストを解釈し、指定されたHTMLファイルを返せるようにする」 (serve the file the request names)",
    guide: "chapter12.md",
};
/// Book chapter 11: the 404 page.
pub const CH11_404: Source = Source {
    book_ja: "第11章「404 Not Foundを実装する」",
    book_en: "chapter 11, 「404 Not Foundを実装する」 (answer 404 Not Found)",
    guide: "chapter12.md",
};
/// Book chapter 12: the loop.
pub const CH12_LOOP: Source = Source {
    book_ja: "第12章「繰り返しリクエストを処理できるようにする」",
    book_en: "chapter 12, 「繰り返しリクエストを処理できるようにする」 (handle requests again and again)",
    guide: "chapter12.md",
};
/// Book chapter 12: Content-Type.
pub const CH12_TYPES: Source = Source {
    book_ja: "第12章「適切なContent-Typeを返せるようにする」",
    book_en: "chapter 12, 「適切なContent-Typeを返せるようにする」 (return the right Content-Type)",
    guide: "chapter12.md",
};
/// Book chapter 13: a thread per client.
pub const CH13_THREADS: Source = Source {
    book_ja: "第13章「現状の問題点」と「複数のリクエストを「並列処理」する」",
    book_en: "chapter 13, 「現状の問題点」 (the problem) and 「複数のリクエストを「並列処理」する」 (handle requests in parallel)",
    guide: "chapter13-threaded.md",
};
/// Book chapter 13's column: bounding the threads.
pub const CH13_POOL: Source = Source {
    book_ja: "第13章のコラム「スレッドを扱う際の注意点」",
    book_en: "chapter 13's column 「スレッドを扱う際の注意点」 (take care with threads)",
    guide: "chapter13-threadpool.md",
};
/// Not in the book: this workspace's list of where it does better.
pub const BEYOND: Source = Source {
    book_ja: "本には出てきません",
    book_en: "not in the book",
    guide: "differences.md",
};
