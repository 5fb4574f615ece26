//! [`Capabilities`]: what a backend can do, as bit flags.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// What a backend can do, as bit flags with the reference's values (`READ=1, WRITE=2,
/// STREAM=4, AUTH_KERBEROS=8, AUTH_JWT=16, BATCH=32`).
///
/// ```
/// use pacsys::Capabilities;
///
/// let caps = Capabilities::READ | Capabilities::STREAM | Capabilities::BATCH;
/// assert!(caps.contains(Capabilities::READ | Capabilities::BATCH));
/// assert!(!caps.contains(Capabilities::WRITE));
/// assert_eq!(caps.bits(), 37);
/// assert_eq!(caps.to_string(), "READ|STREAM|BATCH");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// One-shot reads.
    pub const READ: Capabilities = Capabilities(1);
    /// Settings.
    pub const WRITE: Capabilities = Capabilities(2);
    /// Subscriptions.
    pub const STREAM: Capabilities = Capabilities(4);
    /// Kerberos-authenticated settings.
    pub const AUTH_KERBEROS: Capabilities = Capabilities(8);
    /// JWT-authenticated settings.
    pub const AUTH_JWT: Capabilities = Capabilities(16);
    /// Batches in one request.
    pub const BATCH: Capabilities = Capabilities(32);

    const NAMES: [(Capabilities, &'static str); 6] = [
        (Capabilities::READ, "READ"),
        (Capabilities::WRITE, "WRITE"),
        (Capabilities::STREAM, "STREAM"),
        (Capabilities::AUTH_KERBEROS, "AUTH_KERBEROS"),
        (Capabilities::AUTH_JWT, "AUTH_JWT"),
        (Capabilities::BATCH, "BATCH"),
    ];

    /// No capability.
    ///
    /// ```
    /// use pacsys::Capabilities;
    ///
    /// assert!(Capabilities::empty().is_empty());
    /// assert_eq!(Capabilities::empty().to_string(), "(none)");
    /// ```
    pub const fn empty() -> Capabilities {
        Capabilities(0)
    }

    /// The raw bits.
    ///
    /// ```
    /// use pacsys::Capabilities;
    ///
    /// assert_eq!((Capabilities::READ | Capabilities::WRITE).bits(), 3);
    /// ```
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Flags from raw bits; unknown bits are dropped.
    ///
    /// ```
    /// use pacsys::Capabilities;
    ///
    /// let caps = Capabilities::from_bits_truncate(5 | 64); // 64 is no known flag
    /// assert_eq!(caps, Capabilities::READ | Capabilities::STREAM);
    /// ```
    pub const fn from_bits_truncate(bits: u32) -> Capabilities {
        Capabilities(bits & 63)
    }

    /// Whether every flag of `other` is set in `self`.
    ///
    /// ```
    /// use pacsys::Capabilities;
    ///
    /// let caps = Capabilities::READ | Capabilities::BATCH;
    /// assert!(caps.contains(Capabilities::READ));
    /// assert!(!caps.contains(Capabilities::READ | Capabilities::WRITE));
    /// ```
    pub const fn contains(self, other: Capabilities) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    ///
    /// ```
    /// use pacsys::Capabilities;
    ///
    /// assert!(Capabilities::default().is_empty());
    /// assert!(!Capabilities::READ.is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl BitOr for Capabilities {
    type Output = Capabilities;
    fn bitor(self, rhs: Capabilities) -> Capabilities {
        Capabilities(self.0 | rhs.0)
    }
}

impl BitOrAssign for Capabilities {
    fn bitor_assign(&mut self, rhs: Capabilities) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (flag, name) in Capabilities::NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("(none)")?;
        }
        Ok(())
    }
}
