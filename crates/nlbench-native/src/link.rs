//! A share link holds the whole result in the dashboard's address: kilobytes of base64, which
//! on the terminal would push the figures off the screen and wrap past copying. So it goes to
//! `share-link.txt` beside the reports, and the terminal gets one line naming the file and its
//! size and, where the terminal shows hyperlinks (OSC 8), a clickable "open in the
//! dashboard". `--print-link` prints the link itself, for scripts.

use std::path::Path;

use nlbench::schema::ResultSet;
use nlbench_report::{report::fmt_bytes, share};

use crate::output;

/// Writes the share link of `results` (one result, or a comparison of several) into `dir`,
/// its base the dashboard at `base`, and says so in one line; with `print_whole`, or where the
/// file cannot be written (the link is then not lost), prints the link itself.
pub fn publish(dir: &Path, base: &str, results: &[ResultSet], print_whole: bool) {
    let link = address(base, &share::encode_many(results));
    let path = dir.join(output::SHARE_LINK_FILE);
    match output::write_atomic(&path, format!("{link}\n").as_bytes()) {
        Err(err) => {
            eprintln!("warning: cannot write {}: {err}", path.display());
            println!("share link: {link}");
        }
        Ok(()) if print_whole => println!("share link: {link}"),
        Ok(()) => println!(
            "{}",
            line(
                &path,
                &link,
                supports_hyperlinks::on(supports_hyperlinks::Stream::Stdout)
            )
        ),
    }
}

/// `base` with `fragment` as its hash.
pub fn address(base: &str, fragment: &str) -> String {
    format!("{}#{fragment}", base.trim_end_matches('#'))
}

/// `share link: out/share-link.txt (9.12 KiB)`, then ` · open in the dashboard` as an OSC 8
/// hyperlink to `link` where the terminal shows them.
fn line(path: &Path, link: &str, hyperlinks: bool) -> String {
    let open = if hyperlinks {
        format!(" · \x1b]8;;{link}\x1b\\open in the dashboard\x1b]8;;\x1b\\")
    } else {
        String::new()
    };
    format!(
        "share link: {} ({}){open}",
        path.display(),
        fmt_bytes(link.len() as u64 + 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_file_and_links_where_the_terminal_can() {
        let path = Path::new("out/share-link.txt");
        let link = address("https://example.org/nlbench/#", "r=1.abc");
        assert_eq!(link, "https://example.org/nlbench/#r=1.abc");
        assert_eq!(
            line(path, &link, false),
            format!("share link: out/share-link.txt ({})", fmt_bytes(37))
        );
        assert_eq!(
            line(path, &link, true),
            format!(
                "share link: out/share-link.txt ({}) · \x1b]8;;https://example.org/nlbench/#r=1.abc\
                 \x1b\\open in the dashboard\x1b]8;;\x1b\\",
                fmt_bytes(37)
            )
        );
    }
}
