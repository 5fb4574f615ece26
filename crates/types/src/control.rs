//! [`Control`]: the basic-control commands (on, off, reset, ...) and how each is verified.

use std::str::FromStr;

/// A basic-control command, written as its ordinal to the device's CONTROL property.
///
/// Parses from its name in any case (`"on"`, `"RESET"`, ...).
///
/// ```
/// use pacsys_types::Control;
///
/// let c: Control = "Off".parse()?;
/// assert_eq!(c, Control::Off);
/// assert_eq!(c.ordinal(), 2);
/// assert_eq!(c.to_string(), "off");
/// assert_eq!(c.readback(), ("ON", false)); // verified by reading STATUS.ON back
/// assert!("sideways".parse::<Control>().is_err());
/// # Ok::<(), pacsys_types::control::UnknownControl>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Control {
    /// Reset (0): clears a trip.
    Reset,
    /// On (1).
    On,
    /// Off (2).
    Off,
    /// Positive polarity (3).
    Positive,
    /// Negative polarity (4).
    Negative,
    /// Ramp mode (5).
    Ramp,
    /// DC mode (6).
    Dc,
    /// Local control (7).
    Local,
    /// Remote control (8).
    Remote,
    /// Trip (9).
    Trip,
}

impl Control {
    /// Every command, in ordinal order.
    pub const ALL: [Control; 10] = [
        Control::Reset,
        Control::On,
        Control::Off,
        Control::Positive,
        Control::Negative,
        Control::Ramp,
        Control::Dc,
        Control::Local,
        Control::Remote,
        Control::Trip,
    ];

    /// The ordinal sent on the wire.
    ///
    /// ```
    /// use pacsys_types::Control;
    ///
    /// assert_eq!(Control::Reset.ordinal(), 0);
    /// assert_eq!(Control::Trip.ordinal(), 9);
    /// ```
    pub const fn ordinal(self) -> u8 {
        match self {
            Control::Reset => 0,
            Control::On => 1,
            Control::Off => 2,
            Control::Positive => 3,
            Control::Negative => 4,
            Control::Ramp => 5,
            Control::Dc => 6,
            Control::Local => 7,
            Control::Remote => 8,
            Control::Trip => 9,
        }
    }

    /// The lower-case name.
    ///
    /// ```
    /// use pacsys_types::Control;
    ///
    /// assert_eq!(Control::Dc.name(), "dc");
    /// assert_eq!("DC".parse::<Control>()?, Control::Dc);
    /// # Ok::<(), pacsys_types::control::UnknownControl>(())
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Control::Reset => "reset",
            Control::On => "on",
            Control::Off => "off",
            Control::Positive => "positive",
            Control::Negative => "negative",
            Control::Ramp => "ramp",
            Control::Dc => "dc",
            Control::Local => "local",
            Control::Remote => "remote",
            Control::Trip => "trip",
        }
    }

    /// The status field that shows the command took effect, and the state it should have.
    ///
    /// ```
    /// use pacsys_types::Control;
    ///
    /// assert_eq!(Control::On.readback(), ("ON", true));
    /// assert_eq!(Control::Trip.readback(), ("READY", false));
    /// ```
    pub const fn readback(self) -> (&'static str, bool) {
        match self {
            Control::On => ("ON", true),
            Control::Off => ("ON", false),
            Control::Reset => ("READY", true),
            Control::Trip => ("READY", false),
            Control::Positive => ("POSITIVE", true),
            Control::Negative => ("POSITIVE", false),
            Control::Ramp => ("RAMP", true),
            Control::Dc => ("RAMP", false),
            Control::Remote => ("REMOTE", true),
            Control::Local => ("REMOTE", false),
        }
    }
}

impl std::fmt::Display for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Control {
    type Err = UnknownControl;

    fn from_str(s: &str) -> Result<Control, UnknownControl> {
        Control::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownControl(s.to_owned()))
    }
}

/// A text that names no basic-control command.
///
/// ```
/// let e = "sideways".parse::<pacsys_types::Control>().unwrap_err();
/// assert!(e.to_string().contains("sideways"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownControl(pub String);

impl std::fmt::Display for UnknownControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not a control command (reset, on, off, positive, negative, ramp, dc, local, remote, trip)",
            self.0
        )
    }
}

impl std::error::Error for UnknownControl {}
