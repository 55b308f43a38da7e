//! A wrapper that keeps credentials out of `Debug`, `Display` and serialized output.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A credential value. It prints as `***` and is only readable through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for building an authenticated request. Never log the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value can travel in a header or a form field as it is: no line breaks or
    /// other control characters (a key pasted with its newline would corrupt the request).
    pub fn is_single_line(&self) -> bool {
        !self.0.chars().any(char::is_control)
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("canary-8c1f");
        assert!(!format!("{secret:?}").contains("canary"));
        assert_eq!(secret.expose(), "canary-8c1f");
    }
}
