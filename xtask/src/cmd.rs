//! Process plumbing shared by all xtask tasks: repository paths, the tool PATH, running and capturing commands
//! (`run` streams a command's output, `capture` keeps it only on success, `output` keeps it either way).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Errors are plain messages: xtask prints them and exits non-zero.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Where `cargo install` puts binaries: `$CARGO_INSTALL_ROOT/bin` if set (cargo honours it first, and
/// the tools installed there must be found even when that directory is not on PATH), else
/// `$CARGO_HOME/bin`, default `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT").filter(|r| !r.is_empty()) {
        return PathBuf::from(root).join("bin");
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| OsString::from("/root"));
    PathBuf::from(home).join(".cargo").join("bin")
}

/// The directory of npm-installed tools (binaryen's `wasm-opt`).
pub fn node_bin_dir() -> PathBuf {
    root().join("node_modules").join(".bin")
}

/// PATH for every child process: npm tools first (so binaryen 132 shadows Debian's wasm-opt 108),
/// then cargo-installed tools, then the inherited PATH.
pub fn path_env() -> OsString {
    let mut dirs = vec![node_bin_dir(), cargo_bin_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries contain no separator")
}

/// First executable called `name` on [`path_env`].
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&path_env()).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// The cargo that runs us (keeps the toolchain consistent), else `cargo`.
pub fn cargo() -> Command {
    command(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// A command running in the workspace root with the tool PATH.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root()).env("PATH", path_env());
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `cmd` with inherited stdio; an error if it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> Result {
    let text = describe(cmd);
    println!("$ {text}");
    let status = cmd.status().map_err(|e| format!("could not start `{text}`: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{text}` failed ({status})")) }
}

/// Stdout and stderr of `cmd` joined, if it starts and exits successfully (stdin closed).
pub fn capture(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some(text)
}

/// Runs `cmd` (stdin closed, command line echoed) and returns whether it succeeded plus its stdout and
/// stderr joined, so a caller can show a failing tool's own messages. An error only if it cannot start.
pub fn output(cmd: &mut Command) -> Result<(bool, String)> {
    let text = describe(cmd);
    println!("$ {text}");
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("could not start `{text}`: {e}"))?;
    let mut joined = String::from_utf8_lossy(&out.stdout).into_owned();
    joined.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok((out.status.success(), joined))
}

/// `program --version` output (trimmed), if the program exists and answers.
pub fn version_of(program: &str) -> Option<String> {
    let path = which(program)?;
    capture(command(path).arg("--version")).map(|s| s.trim().to_owned())
}

/// Prints a step banner.
pub fn step(text: &str) {
    println!("\n==> {text}");
}
