//! How a replay plays ([`ReplayOptions`]) and why one could not be built ([`ReplayError`]).

/// How a replay plays: the speed factor (default 1.0; 2.0 plays twice as fast) and whether
/// it starts over after the last sample (default no).
///
/// ```
/// use pacsys_sim::replay::ReplayOptions;
///
/// let options = ReplayOptions::default().speed(2.0).looped(true);
/// assert_eq!((options.speed, options.looped), (2.0, true));
/// assert!(options.validate().is_ok());
/// assert!(ReplayOptions::default().speed(0.0).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ReplayOptions {
    /// Playback speed factor: recorded delays are divided by it. Must be finite and > 0.
    pub speed: f64,
    /// Start over after the last sample.
    pub looped: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            speed: 1.0,
            looped: false,
        }
    }
}

impl ReplayOptions {
    /// Sets the speed factor.
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Sets whether the replay loops.
    pub fn looped(mut self, on: bool) -> Self {
        self.looped = on;
        self
    }

    /// Checks the speed: finite and greater than zero.
    pub fn validate(&self) -> Result<(), ReplayError> {
        if self.speed.is_finite() && self.speed > 0.0 {
            Ok(())
        } else {
            Err(ReplayError::Speed(self.speed))
        }
    }
}

/// Why a replay could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReplayError {
    /// The recording could not be read.
    #[cfg(feature = "replay")]
    Read(pacsys_record::RecordError),
    /// The speed is not a finite number greater than zero.
    Speed(f64),
    /// The recording holds nothing to replay (no reading or error of a READING or SETTING
    /// request); `events` is how many events it had.
    Empty {
        /// Events in the recording.
        events: usize,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "replay")]
            ReplayError::Read(e) => write!(f, "cannot read the recording: {e}"),
            ReplayError::Speed(s) => {
                write!(f, "replay speed must be a finite number > 0, not {s}")
            }
            ReplayError::Empty { events } => write!(
                f,
                "nothing to replay: none of the {events} events is a reading or error of a \
                 READING or SETTING request"
            ),
        }
    }
}

impl std::error::Error for ReplayError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "replay")]
            ReplayError::Read(e) => Some(e),
            _ => None,
        }
    }
}
