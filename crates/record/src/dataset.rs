//! The layout of a recording's dataset directory, in one place: the part files, their
//! temporary names while written, and which files readers take as data.

/// The name of part `n`: `part-000012.parquet`.
pub(crate) fn part_name(n: u64) -> String {
    format!("part-{n:06}.parquet")
}

/// The name of part `n` while it is written: hidden, so dataset readers skip it
/// (`.part-000012.parquet.tmp`).
pub(crate) fn temp_name(n: u64) -> String {
    format!(".{}.tmp", part_name(n))
}

/// Whether `name` is a file a recording writes (a part or a temporary part): the only
/// files overwriting a recording deletes.
pub(crate) fn is_recording_file(name: &str) -> bool {
    (name.starts_with("part-") && name.ends_with(".parquet"))
        || (name.starts_with(".part-") && name.ends_with(".tmp"))
}

/// Whether a reader takes the file `name` in a dataset directory as data: a `.parquet`
/// file that is neither hidden nor starts with an underscore (the Spark/Hive convention:
/// temporary parts, `_SUCCESS`, `_metadata` are not data).
pub(crate) fn is_data_file(name: &str) -> bool {
    !name.starts_with('.') && !name.starts_with('_') && name.ends_with(".parquet")
}

/// The number of `part-N.parquet`, which orders the parts (`u64::MAX` for other names,
/// which sort after them).
pub(crate) fn part_number(name: &str) -> u64 {
    name.strip_prefix("part-")
        .and_then(|rest| rest.strip_suffix(".parquet"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_hidden_while_written() {
        assert_eq!(part_name(12), "part-000012.parquet");
        assert_eq!(temp_name(12), ".part-000012.parquet.tmp");
        assert!(is_recording_file(&part_name(12)));
        assert!(is_recording_file(&temp_name(12)));
        assert!(!is_recording_file("notes.txt"));
        assert!(!is_recording_file(".part-1.parquet"));
        assert!(is_data_file(&part_name(1_000_000)));
        assert!(!is_data_file(&temp_name(1)));
        assert!(!is_data_file("_SUCCESS"));
        assert!(!is_data_file("_metadata.parquet"));
        assert!(!is_data_file("notes.txt"));
    }

    #[test]
    fn parts_sort_by_number_then_name() {
        assert_eq!(part_number("part-000012.parquet"), 12);
        assert_eq!(part_number(&part_name(1_234_567)), 1_234_567);
        assert_eq!(part_number("data.parquet"), u64::MAX);
        let mut names = [
            (part_number("part-1000000.parquet"), "b"),
            (part_number("part-999999.parquet"), "a"),
        ];
        names.sort();
        assert_eq!(names[0].1, "a");
    }
}
