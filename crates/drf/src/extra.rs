//! Extras (spec section 9): the `<-...` data source or routing directive.

use core::fmt;

use crate::error::Error;
use crate::field::{key, upper_key};

/// The kind of an extra, from its name (the text before the first `:` or `[`).
///
/// ```
/// use pacsys_drf::ExtraKind;
///
/// assert_eq!(ExtraKind::from_text("logger:1:2"), Some(ExtraKind::Logger));
/// assert!(ExtraKind::Logger.is_historical());
/// assert_eq!(ExtraKind::from_text("BOGUS"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum ExtraKind {
    /// `FTP`: fast time plot acquisition.
    Ftp,
    /// `LIVEDATA`.
    Livedata,
    /// `LOGGER:start_ms:end_ms[:logger]`: logged history for a time window.
    Logger,
    /// `LOGGERSINGLE:time_ms`: one logged point.
    LoggerSingle,
    /// `LOGGERDURATION:duration_ms`: logged history for a duration.
    LoggerDuration,
    /// `SRFILE`: save/restore file data.
    Srfile,
    /// `SDAFILE`: SDA file data.
    Sdafile,
    /// `REDIR`: redirection.
    Redir,
    /// `MIRROR`: mirror.
    Mirror,
}

impl ExtraKind {
    /// The name as printed, e.g. `"LOGGERSINGLE"`.
    pub const fn name(self) -> &'static str {
        match self {
            ExtraKind::Ftp => "FTP",
            ExtraKind::Livedata => "LIVEDATA",
            ExtraKind::Logger => "LOGGER",
            ExtraKind::LoggerSingle => "LOGGERSINGLE",
            ExtraKind::LoggerDuration => "LOGGERDURATION",
            ExtraKind::Srfile => "SRFILE",
            ExtraKind::Sdafile => "SDAFILE",
            ExtraKind::Redir => "REDIR",
            ExtraKind::Mirror => "MIRROR",
        }
    }

    /// Whether this is a historical (logger) extra: LOGGER, LOGGERSINGLE, LOGGERDURATION.
    pub const fn is_historical(self) -> bool {
        matches!(
            self,
            ExtraKind::Logger | ExtraKind::LoggerSingle | ExtraKind::LoggerDuration
        )
    }

    /// Classifies a whole extra text (what follows `<-`): the name is the text up to the
    /// first `:`, then up to the first `[`, compared in any ASCII case.
    pub fn from_text(text: &str) -> Option<ExtraKind> {
        Self::from_bytes(text.as_bytes())
    }

    #[inline]
    pub(crate) fn from_bytes(text: &[u8]) -> Option<ExtraKind> {
        const NAMES: [(u128, ExtraKind); 9] = [
            (key(b"FTP"), ExtraKind::Ftp),
            (key(b"LIVEDATA"), ExtraKind::Livedata),
            (key(b"LOGGER"), ExtraKind::Logger),
            (key(b"LOGGERSINGLE"), ExtraKind::LoggerSingle),
            (key(b"LOGGERDURATION"), ExtraKind::LoggerDuration),
            (key(b"SRFILE"), ExtraKind::Srfile),
            (key(b"SDAFILE"), ExtraKind::Sdafile),
            (key(b"REDIR"), ExtraKind::Redir),
            (key(b"MIRROR"), ExtraKind::Mirror),
        ];
        let k = upper_key(name_part(text))?;
        NAMES.iter().find(|(n, _)| *n == k).map(|(_, e)| *e)
    }
}

/// The name part of an extra text: cut at the first `:`, then at the first `[`.
#[inline]
pub(crate) fn name_part(text: &[u8]) -> &[u8] {
    let upto_colon = match text.iter().position(|&b| b == b':') {
        Some(p) => text.get(..p).unwrap_or(text),
        None => text,
    };
    match upto_colon.iter().position(|&b| b == b'[') {
        Some(p) => upto_colon.get(..p).unwrap_or(upto_colon),
        None => upto_colon,
    }
}

/// Validates an extra text; offsets are relative to its start.
#[inline]
pub(crate) fn parse_extra_text(text: &[u8]) -> Result<ExtraKind, Error> {
    ExtraKind::from_bytes(text).ok_or(Error::Extra {
        offset: 0,
        message: "unknown extra: use FTP, LIVEDATA, LOGGER, LOGGERSINGLE, LOGGERDURATION, SRFILE, SDAFILE, REDIR or MIRROR, optionally followed by :params or [params]",
    })
}

impl fmt::Display for ExtraKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The extra of a request: its kind and its text exactly as written (after `<-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Extra<'a> {
    kind: ExtraKind,
    text: &'a str,
}

impl<'a> Extra<'a> {
    pub(crate) const fn new(kind: ExtraKind, text: &'a str) -> Self {
        Extra { kind, text }
    }

    /// Parses an extra text (what follows `<-`), e.g. `"LOGGER:1:2"`.
    ///
    /// ```
    /// use pacsys_drf::{Extra, ExtraKind};
    ///
    /// let e = Extra::parse("ftp").unwrap();
    /// assert_eq!(e.kind(), ExtraKind::Ftp);
    /// assert_eq!(e.text(), "ftp");
    /// assert_eq!(Extra::parse("<-").unwrap_err().category(), "extra_repeated");
    /// ```
    pub fn parse(text: &'a str) -> Result<Extra<'a>, Error> {
        if let Some(p) = text.bytes().position(|b| !b.is_ascii()) {
            return Err(Error::NonAscii {
                offset: p,
                message: "DRF text must be ASCII",
            });
        }
        if let Some(p) = text.find("<-") {
            return Err(Error::ExtraRepeated {
                offset: p,
                message: "an extra cannot hold `<-`",
            });
        }
        parse_extra_text(text.as_bytes()).map(|kind| Extra { kind, text })
    }

    /// The extra's kind.
    pub const fn kind(&self) -> ExtraKind {
        self.kind
    }

    /// The text after `<-`, verbatim (printed as is in the canonical form).
    pub const fn text(&self) -> &'a str {
        self.text
    }
}

impl fmt::Display for Extra<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}
