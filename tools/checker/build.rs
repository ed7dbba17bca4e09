//! Says to the tests what this machine can run for them, as cfgs: a
//! Python 3 (`checker_python`, with `CHECKER_PYTHON` naming it) and a
//! cargo that builds for the target (`checker_cargo`: not when the tests
//! are built for another system, as for Windows under Wine). A test that
//! needs one is ignored without it, and says why. Looked for once, when
//! this crate is first built (`cargo clean -p checker` looks again).

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(checker_python)");
    println!("cargo::rustc-check-cfg=cfg(checker_cargo)");
    println!("cargo::rerun-if-changed=build.rs");
    let host = std::env::var("HOST").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    if host != target {
        return;
    }
    println!("cargo::rustc-cfg=checker_cargo");
    let pythons: &[&str] = if cfg!(windows) {
        &["python", "py"]
    } else {
        &["python3", "python"]
    };
    let found = pythons.iter().find(|python| {
        Command::new(python)
            .arg("--version")
            .output()
            .is_ok_and(|out| {
                let text = String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr);
                out.status.success() && text.starts_with("Python 3")
            })
    });
    if let Some(python) = found {
        println!("cargo::rustc-cfg=checker_python");
        println!("cargo::rustc-env=CHECKER_PYTHON={python}");
    }
}
