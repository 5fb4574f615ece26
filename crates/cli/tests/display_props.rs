//! Property tests of the display options' parsers: no input panics, every parsed spec
//! formats every number, and a range never picks an index outside the array.

use pacsys_cli::number_format::NumberFormat;
use pacsys_cli::range::Range;
use proptest::prelude::*;

/// Characters of the format-spec grammar, so that many generated specs parse.
const SPEC_CHARS: &str = "[<>^=+\\- z#0-9,_.fFeEgG%dnxXob*]{0,12}";

proptest! {
    #[test]
    fn any_spec_parses_or_names_a_byte_inside_it(spec in any::<String>()) {
        if let Err(e) = spec.parse::<NumberFormat>() {
            prop_assert!(e.offset <= spec.len());
            prop_assert!(spec.is_char_boundary(e.offset));
        }
    }

    #[test]
    fn every_parsed_spec_formats_every_number(spec in SPEC_CHARS, x in any::<f64>()) {
        if let Ok(f) = spec.parse::<NumberFormat>() {
            prop_assert!(!f.format(x).is_empty());
        }
    }

    #[test]
    fn fixed_and_scientific_text_reads_back_within_half_a_unit(
        x in -1e12f64..1e12,
        p in 0usize..10,
        grouped in any::<bool>(),
    ) {
        let spec = format!("{}.{p}f", if grouped { "," } else { "" });
        let f: NumberFormat = spec.parse().map_err(|e: pacsys_cli::number_format::NumberFormatError| TestCaseError::fail(e.to_string()))?;
        let text = f.format(x).replace(',', "");
        let back: f64 = text.parse().map_err(|_| TestCaseError::fail(text.clone()))?;
        let unit = 10f64.powi(-(p as i32));
        prop_assert!((back - x).abs() <= unit / 2.0 + x.abs() * 1e-15, "{} -> {}", x, text);
        prop_assert_eq!(text.starts_with('-'), back.is_sign_negative(), "sign of {}", text);

        let f: NumberFormat = format!(".{p}e").parse().map_err(|e: pacsys_cli::number_format::NumberFormatError| TestCaseError::fail(e.to_string()))?;
        let text = f.format(x);
        let back: f64 = text.parse().map_err(|_| TestCaseError::fail(text.clone()))?;
        prop_assert!((back - x).abs() <= x.abs() * 10f64.powi(-(p as i32)) / 2.0 * 10.0 + 1e-300, "{} -> {}", x, text);
    }

    #[test]
    fn ranges_stay_inside_the_array(text in "-?[0-9]{0,3}(:-?[0-9]{0,3}(:-?[0-9]{0,2})?)?", len in 0usize..50) {
        if let Ok(r) = text.parse::<Range>() {
            let picked: Vec<usize> = r.indices(len).collect();
            prop_assert!(picked.len() <= len);
            prop_assert!(picked.iter().all(|i| *i < len));
            let mut sorted = picked.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), picked.len(), "no index twice");
        }
    }

    #[test]
    fn any_range_text_parses_or_fails_cleanly(text in any::<String>()) {
        let _ = text.parse::<Range>();
    }
}
