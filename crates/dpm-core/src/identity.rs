//! How a client names itself to the DPM server: the list properties `#USER`, `#PID` and
//! `#TYPE` (spec 6.1), sent on every connection right after the server opens its list, so
//! an operator looking at the server's lists can tell whose they are.

/// The identity a [`DpmClient`](crate::DpmClient) gives each of its lists.
///
/// The default ([`ListIdentity::of_process`]) is the login name (`$USER`, else `$LOGNAME`),
/// this process's id and `pacsys-rs/<version>`; each part can be changed or left out, and
/// [`ListIdentity::none`] sends nothing.
///
/// ```
/// use pacsys_dpm_core::ListIdentity;
///
/// let id = ListIdentity::of_process().client_type("beam-scan/2.1").user("operator1");
/// let props = id.properties();
/// assert_eq!(props[0], "#USER:operator1");
/// assert!(props[1].starts_with("#PID:"));
/// assert_eq!(props[2], "#TYPE:beam-scan/2.1");
/// assert!(ListIdentity::none().properties().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListIdentity {
    user: Option<String>,
    pid: Option<u32>,
    client_type: Option<String>,
}

impl Default for ListIdentity {
    fn default() -> Self {
        ListIdentity::of_process()
    }
}

impl ListIdentity {
    /// The login name, this process's id and `pacsys-rs/<version>`.
    pub fn of_process() -> ListIdentity {
        let user = ["USER", "LOGNAME"]
            .into_iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        ListIdentity {
            user,
            pid: Some(std::process::id()),
            client_type: Some(concat!("pacsys-rs/", env!("CARGO_PKG_VERSION")).to_owned()),
        }
    }

    /// No list properties at all.
    pub fn none() -> ListIdentity {
        ListIdentity {
            user: None,
            pid: None,
            client_type: None,
        }
    }

    /// The `#USER` property.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The `#PID` property.
    pub fn pid(mut self, pid: u32) -> Self {
        self.pid = Some(pid);
        self
    }

    /// The `#TYPE` property (what kind of client this is, e.g. a script's name).
    pub fn client_type(mut self, client_type: impl Into<String>) -> Self {
        self.client_type = Some(client_type.into());
        self
    }

    /// The AddToList texts (ref id 0) that carry the identity, in the order sent. Values
    /// keep only printable ASCII (others become `?`): the server reads ISO-8859-1 text and
    /// a line break would end the property.
    pub fn properties(&self) -> Vec<String> {
        let clean = |v: &str| -> String {
            v.chars()
                .map(|c| {
                    if c.is_ascii_graphic() || c == ' ' {
                        c
                    } else {
                        '?'
                    }
                })
                .collect()
        };
        let mut out = Vec::with_capacity(3);
        if let Some(u) = &self.user {
            out.push(format!("#USER:{}", clean(u)));
        }
        if let Some(p) = self.pid {
            out.push(format!("#PID:{p}"));
        }
        if let Some(t) = &self.client_type {
            out.push(format!("#TYPE:{}", clean(t)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cleaned_and_parts_can_be_left_out() {
        let id = ListIdentity::none().user("a\nb\u{e9}").pid(7);
        assert_eq!(id.properties(), vec!["#USER:a?b?", "#PID:7"]);
        assert_eq!(
            ListIdentity::none().client_type("x y").properties(),
            vec!["#TYPE:x y"]
        );
    }
}
