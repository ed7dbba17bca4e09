//! The reader's server, started by the checker: `checker -- python
//! webserver.py` runs the command in the current folder, waits until it
//! listens at the URL, and in the end stops it with everything it started.
//!
//! Everything the command prints is kept (not shown): when it ends before
//! it listens, or during the checks, the report shows the lines that say
//! why ([`Server::last_words`]): the Python traceback, rustc's first error,
//! a panic. On Unix the command runs in a process group of its own, killed
//! as a whole; on Windows in a job object, which kills every process in it
//! when the checker closes it, or when the checker ends in any way.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::client::{Expect, FetchError, Target, send_and_read};
use crate::text::Text;

/// How long a started command may print nothing while it does not listen
/// yet, before the checker says it never will (`--start-timeout`).
pub const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The same while its last line says cargo is building: a cold build of one
/// crate prints nothing for minutes.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(600);
/// After SIGTERM, how long the server may take to end before SIGKILL.
#[cfg(unix)]
const GRACE: Duration = Duration::from_secs(2);
/// How many lines of output are kept.
const KEPT_LINES: usize = 2000;

/// The lines a command printed (stdout and stderr, as they came), and when
/// the last one came.
#[derive(Debug)]
struct Output {
    lines: VecDeque<String>,
    last_at: Instant,
}

/// Why the server could not be checked.
#[derive(Debug, Clone, PartialEq)]
pub enum StartError {
    /// The command could not be run at all.
    Spawn {
        /// The program, as given.
        program: String,
        /// The system's reason.
        why: String,
    },
    /// Something was listening at the URL before the command started.
    Taken {
        /// `HOST:PORT`.
        authority: String,
    },
    /// The command ended before it listened.
    Exited {
        /// How it ended: its exit status, or the signal that ended it.
        status: Text,
        /// Whether its output shows a failed build.
        build_failed: bool,
        /// The lines that say why.
        last_words: Vec<String>,
    },
    /// The command runs, but did not listen, and printed nothing for so long.
    NeverListened {
        /// How long it was quiet.
        quiet: Duration,
        /// `HOST:PORT`.
        authority: String,
        /// Its last lines.
        last_words: Vec<String>,
    },
}

impl StartError {
    /// The sentence, and the lines it quotes (printed below it, indented).
    pub fn describe(&self) -> (Text, Vec<String>) {
        match self {
            StartError::Spawn { program, why } => (
                Text::new(
                    format!(
                        "{program} を起動できません（{why}）。コマンドの名前と、いまのフォルダーを確かめてください"
                    ),
                    format!(
                        "cannot start {program} ({why}): check the command's name and the current folder"
                    ),
                ),
                Vec::new(),
            ),
            StartError::Taken { authority } => (
                Text::new(
                    format!(
                        "{authority} では、別のサーバーがもう待ち受けています。別のターミナルで動かしているサーバーを Ctrl+C で止めてから、もう一度実行してください"
                    ),
                    format!(
                        "another server is already listening at {authority}: stop it (Ctrl+C in its terminal), then run this again"
                    ),
                ),
                Vec::new(),
            ),
            StartError::Exited {
                status,
                build_failed: true,
                last_words,
            } => (
                Text::new(
                    format!("ビルドできませんでした（{}）。最初のエラー：", status.ja),
                    format!("it does not build ({}); the first error:", status.en),
                ),
                last_words.clone(),
            ),
            StartError::Exited {
                status, last_words, ..
            } => (
                Text::new(
                    format!(
                        "サーバーが待ち受ける前に終わりました（{}）。最後に出力した行：",
                        status.ja
                    ),
                    format!(
                        "the server ended before it listened ({}); the last lines it printed:",
                        status.en
                    ),
                ),
                last_words.clone(),
            ),
            StartError::NeverListened {
                quiet,
                authority,
                last_words,
            } => (
                Text::new(
                    format!(
                        "サーバーは動いていますが、{authority} で待ち受けないまま {} 秒、何も出力しません。別のポートで待ち受けているなら、その URL をチェッカーに渡してください。最後に出力した行：",
                        quiet.as_secs()
                    ),
                    format!(
                        "the server runs, but does not listen at {authority} and printed nothing for {} s: if it listens at another port, give the checker that URL; the last lines it printed:",
                        quiet.as_secs()
                    ),
                ),
                last_words.clone(),
            ),
        }
    }
}

/// A started command: its process, and what it printed.
pub struct Server {
    words: Vec<String>,
    pid: u32,
    child: Mutex<Child>,
    output: Arc<Mutex<Output>>,
    stopped: AtomicBool,
    #[cfg(windows)]
    job: Mutex<Option<win32job::Job>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    /// Runs `words` (the program, then its arguments) in `dir`, in a process
    /// group (Unix) or job object (Windows) of its own, output captured.
    pub fn start(words: &[String], dir: &Path) -> Result<Server, StartError> {
        let Some((program, args)) = words.split_first() else {
            return Err(StartError::Spawn {
                program: String::new(),
                why: "no command".to_owned(),
            });
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Python: each line as it is printed, in UTF-8 whatever the
            // console's code page (a Japanese Windows uses cp932).
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONIOENCODING", "utf-8");
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // A group of its own: killed as a whole, and Ctrl+C in the
            // terminal reaches the checker only, which then ends it.
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|err| StartError::Spawn {
            program: program.clone(),
            why: err.to_string(),
        })?;
        let output = Arc::new(Mutex::new(Output {
            lines: VecDeque::new(),
            last_at: Instant::now(),
        }));
        if let Some(stdout) = child.stdout.take() {
            keep_lines(stdout, Arc::clone(&output));
        }
        if let Some(stderr) = child.stderr.take() {
            keep_lines(stderr, Arc::clone(&output));
        }
        Ok(Server {
            words: words.to_vec(),
            pid: child.id(),
            #[cfg(windows)]
            job: Mutex::new(job_for(&child)),
            child: Mutex::new(child),
            output,
            stopped: AtomicBool::new(false),
        })
    }

    /// The process id (on Unix also its process group's).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The command, as one line.
    pub fn command_line(&self) -> String {
        self.words.join(" ")
    }

    /// How it ended, once it has.
    pub fn status(&self) -> Option<ExitStatus> {
        lock(&self.child).try_wait().ok().flatten()
    }

    /// Waits until `target` accepts a connection and answers a GET of its
    /// `index.html` (a plain request: a bare connection that sends nothing
    /// makes the book's code raise), while the command runs and prints
    /// something at least every `quiet` (longer while cargo builds).
    /// Returns how long it took.
    pub fn wait_until_listening(
        &self,
        target: &Target,
        quiet: Duration,
    ) -> Result<Duration, StartError> {
        let started = Instant::now();
        let request = target.request("GET", &target.path("index.html"));
        loop {
            if let Some(status) = self.status() {
                // The last lines may still be on their way through the pipes.
                thread::sleep(Duration::from_millis(100));
                let lines = self.lines();
                return Err(StartError::Exited {
                    status: describe_status(status),
                    build_failed: build_failed(&lines),
                    last_words: last_words(&lines),
                });
            }
            match target.connect() {
                Ok(mut stream) => {
                    let expect = Expect {
                        timeout: Duration::from_secs(3),
                        ..Expect::default()
                    };
                    // Whatever it answers, it listens; the stages judge the answer.
                    let _ = send_and_read(&mut stream, &request, expect);
                    return Ok(started.elapsed());
                }
                Err(FetchError::OwnLimit(why)) => {
                    return Err(StartError::Spawn {
                        program: "checker".to_owned(),
                        why,
                    });
                }
                Err(_) => {}
            }
            let (silent, building) = {
                let output = lock(&self.output);
                let building = output.lines.back().is_some_and(|l| is_building(l));
                (output.last_at.elapsed(), building)
            };
            let allowed = if building {
                BUILD_TIMEOUT.max(quiet)
            } else {
                quiet
            };
            if silent >= allowed {
                return Err(StartError::NeverListened {
                    quiet: silent,
                    authority: target.authority().to_owned(),
                    last_words: last_words(&self.lines()),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every line kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        lock(&self.output).lines.iter().cloned().collect()
    }

    /// The lines that say why it stopped (see [`last_words`]).
    pub fn last_words(&self) -> Vec<String> {
        last_words(&self.lines())
    }

    /// Ends the command and everything it started: on Unix SIGTERM to its
    /// process group, then, after a grace, SIGKILL to whatever is left; on
    /// Windows the job object is closed, which kills every process in it.
    /// Safe to call again.
    pub fn stop(&self) {
        let mut child = lock(&self.child);
        // Once only: the group's id may be another process's after that.
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        #[cfg(unix)]
        {
            use nix::sys::signal::{Signal, killpg};
            use nix::unistd::Pid;
            let group = Pid::from_raw(i32::try_from(self.pid).unwrap_or(i32::MAX));
            if child.try_wait().ok().flatten().is_none() {
                let _ = killpg(group, Signal::SIGTERM);
                let until = Instant::now() + GRACE;
                while Instant::now() < until && child.try_wait().ok().flatten().is_none() {
                    thread::sleep(Duration::from_millis(10));
                }
            }
            // Whatever is left in the group: children that outlived it.
            let _ = killpg(group, Signal::SIGKILL);
        }
        #[cfg(windows)]
        {
            // Closing the job kills every process in it.
            drop(lock(&self.job).take());
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A job object that kills its processes when it is closed, with `child`
/// in it; `None` where that fails (then only `child` itself is killed).
#[cfg(windows)]
fn job_for(child: &Child) -> Option<win32job::Job> {
    use std::os::windows::io::AsRawHandle;
    let mut info = win32job::ExtendedLimitInfo::new();
    info.limit_kill_on_job_close();
    let job = win32job::Job::create_with_limit_info(&info).ok()?;
    job.assign_process(child.as_raw_handle() as isize).ok()?;
    Some(job)
}

/// Reads `from` line by line into `output` until it closes.
fn keep_lines(from: impl Read + Send + 'static, output: Arc<Mutex<Output>>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches(['\r', '\n']).to_owned();
                    let mut output = lock(&output);
                    output.last_at = Instant::now();
                    output.lines.push_back(text);
                    if output.lines.len() > KEPT_LINES {
                        output.lines.pop_front();
                    }
                }
            }
        }
    });
}

/// How a process ended, in words: its exit status, or the signal.
pub fn describe_status(status: ExitStatus) -> Text {
    if let Some(code) = status.code() {
        return Text::new(
            format!("終了ステータス {code}"),
            format!("exit status {code}"),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Text::new(
                format!("シグナル {signal} で終了"),
                format!("ended by signal {signal}"),
            );
        }
    }
    Text::new("終了", "ended")
}

/// Cargo's progress lines: the command is still building.
fn is_building(line: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    matches!(
        word,
        "Compiling"
            | "Checking"
            | "Building"
            | "Blocking"
            | "Updating"
            | "Downloading"
            | "Downloaded"
            | "Locking"
            | "Adding"
            | "Fresh"
    )
}

/// Cargo said the build failed.
fn build_failed(lines: &[String]) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with("error: could not compile") || l.starts_with("error: failed to"))
}

/// The lines that say why a command stopped: rustc's first error (its
/// message, up to the next diagnostic), else the last Python traceback,
/// else the last panic, else the last few lines.
pub fn last_words(lines: &[String]) -> Vec<String> {
    const MOST: usize = 30;
    let is_diagnostic =
        |l: &str| l.starts_with("error") || l.starts_with("warning:") || l.starts_with("note:");
    if let Some(first) = lines.iter().position(|l| {
        l.starts_with("error[") || {
            l.starts_with("error: ") && !l.starts_with("error: could not compile")
        }
    }) {
        let end = lines[first + 1..]
            .iter()
            .position(|l| is_diagnostic(l))
            .map_or(lines.len(), |n| first + 1 + n);
        let mut block: Vec<String> = lines[first..end].to_vec();
        while block.last().is_some_and(|l| l.trim().is_empty()) {
            block.pop();
        }
        block.truncate(MOST);
        return block;
    }
    let from = lines
        .iter()
        .rposition(|l| l.starts_with("Traceback (most recent call last)"))
        .or_else(|| lines.iter().rposition(|l| l.contains("panicked at")))
        .unwrap_or(lines.len().saturating_sub(12));
    let tail = &lines[from..];
    tail[tail.len().saturating_sub(MOST)..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn rustcs_first_error_is_kept_and_the_rest_left_out() {
        let out = lines(
            "   Compiling my-chapter12-sequential v0.1.0 (/x/exercises/my-chapter12-sequential)\n\
             error[E0425]: cannot find value `clinet_socket` in this scope\n  \
              --> my-chapter12-sequential/src/main.rs:40:22\n   \
               |\n\
             40 |         handle_client(clinet_socket);\n   \
               |                       ^^^^^^^^^^^^^ help: a local variable with a similar name exists: `client_socket`\n\
             \n\
             error[E0308]: mismatched types\n  \
              --> my-chapter12-sequential/src/main.rs:50:1\n\
             \n\
             error: could not compile `my-chapter12-sequential` (bin \"my-chapter12-sequential\") due to 2 previous errors",
        );
        let first = last_words(&out);
        assert_eq!(first.len(), 5, "{first:#?}");
        assert!(first[0].starts_with("error[E0425]"));
        assert!(first[4].contains("help: a local variable"));
        assert!(build_failed(&out));
    }

    #[test]
    fn the_last_traceback_is_kept_whole() {
        let out = lines(
            "=== サーバーを起動します ===\n\
             Traceback (most recent call last):\n  \
               File \"webserver.py\", line 9, in <module>\n    \
                 import sokcet\n\
             ModuleNotFoundError: No module named 'sokcet'",
        );
        let words = last_words(&out);
        assert_eq!(words.len(), 4, "{words:#?}");
        assert!(words[0].starts_with("Traceback"));
        assert!(!build_failed(&out));
        let many: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        assert_eq!(last_words(&many).len(), 12);
        assert_eq!(last_words(&many)[11], "line 99");
    }

    #[test]
    fn cargos_progress_lines_mean_building() {
        assert!(is_building("   Compiling common v0.1.0 (/x/common)"));
        assert!(is_building(
            "    Blocking waiting for file lock on build directory"
        ));
        assert!(!is_building(
            "     Running `target/debug/my-chapter12-sequential`"
        ));
        assert!(!is_building("=== サーバーを起動します ==="));
    }
}
