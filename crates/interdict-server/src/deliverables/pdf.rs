//! PDF through headless Chromium: the HTML deliverable written to a private temporary
//! directory and printed with `chromium --headless --print-to-pdf`, under a timeout.
//! Without Chromium installed the caller gets [`PdfError::NoBrowser`] (the API answers
//! 503 with that message).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::time::{Duration, Instant};

/// How long one print may take.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The browsers tried, in order (on `PATH`).
const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Why no PDF was made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No Chromium on `PATH`.
    #[error(
        "PDF output needs headless Chromium (`chromium` on PATH), which is not installed; \
         use format html and print it from a browser"
    )]
    NoBrowser,
    /// Chromium ran but made no PDF.
    #[error("chromium failed to print the PDF: {0}")]
    Failed(String),
    /// The temporary files could not be written or read.
    #[error("PDF temporary files: {0}")]
    Io(#[from] std::io::Error),
}

/// The first browser of [`BROWSERS`] on `PATH`.
pub fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.iter().map(move |b| dir.join(b)))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Prints `html` (a self-contained document) to PDF bytes with headless Chromium.
/// Blocking: call it from a blocking thread in async code.
pub fn html_to_pdf(html: &str) -> Result<Vec<u8>, PdfError> {
    let browser = browser().ok_or(PdfError::NoBrowser)?;
    let dir = tempfile::Builder::new()
        .prefix("interdict-pdf-")
        .tempdir()?;
    let input = dir.path().join("report.html");
    let output = dir.path().join("report.pdf");
    let log = dir.path().join("chromium.log");
    std::fs::write(&input, html)?;
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", output.display()))
        .arg(format!("file://{}", input.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .map_err(|e| PdfError::Failed(format!("{}: {e}", browser.display())))?;
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PdfError::Failed(format!(
                "no PDF within {} s",
                TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    match std::fs::read(&output) {
        Ok(bytes) if bytes.starts_with(b"%PDF") => Ok(bytes),
        _ => Err(PdfError::Failed(format!(
            "exit {status}; {}",
            stderr.lines().last().unwrap_or("no message")
        ))),
    }
}
