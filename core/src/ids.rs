//! IIN / BIN: 12-digit identification numbers with a control digit (CONTRACT.md §2).

use std::fmt;
use std::str::FromStr;

/// A 12-digit IIN or BIN whose control digit has been checked. The ways to build one are
/// [`IdNumber::parse`] (the control digit holds) and [`IdNumber::parse_test_id`] (12 digits
/// whose control digit fails, as in the NCA's test certificates, accepted only where a
/// deployment enables test ids), so a value of this type always says which of the two it is.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdNumber {
    digits: [u8; 12],
    control: Control,
}

/// Whether an id's control digit holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    Valid,
    /// Fails the control digit: an NCA test id such as `123456789011` (CONTRACT §2).
    FailsTestId,
}

/// Which ids a deployment accepts as expected ids (CONTRACT §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdPolicy {
    /// Only ids whose control digit holds (the default: real deployments).
    #[default]
    Strict,
    /// Also 12-digit ids that fail the control digit, as the NCA's test certificates carry.
    AllowTestIds,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an IIN/BIN has exactly 12 digits, got {0:?}")]
    NotTwelveDigits(String),
    #[error("{0} fails the IIN/BIN control digit")]
    BadControlDigit(String),
}

const FIRST_WEIGHTS: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

fn weighted(digits: &[u8; 12], weights: &[u32; 11]) -> u32 {
    digits[..11]
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum::<u32>()
        % 11
}

impl IdNumber {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let digits = twelve_digits(text)?;
        if !control_digit_holds(&digits) {
            return Err(IdError::BadControlDigit(text.to_owned()));
        }
        Ok(IdNumber {
            digits,
            control: Control::Valid,
        })
    }

    /// 12 digits, whether or not the control digit holds; [`IdNumber::is_test_id`] tells.
    pub fn parse_test_id(text: &str) -> Result<Self, IdError> {
        let digits = twelve_digits(text)?;
        let control = if control_digit_holds(&digits) {
            Control::Valid
        } else {
            Control::FailsTestId
        };
        Ok(IdNumber { digits, control })
    }

    /// Parses under a deployment's policy.
    pub fn parse_with(text: &str, policy: IdPolicy) -> Result<Self, IdError> {
        match policy {
            IdPolicy::Strict => IdNumber::parse(text),
            IdPolicy::AllowTestIds => IdNumber::parse_test_id(text),
        }
    }

    /// Whether the control digit fails (an NCA test id).
    pub fn is_test_id(&self) -> bool {
        self.control == Control::FailsTestId
    }

    pub fn as_string(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// Whether `text` is 12 digits whose control digit holds.
pub fn is_valid_id(text: &str) -> bool {
    twelve_digits(text).is_ok_and(|d| control_digit_holds(&d))
}

fn twelve_digits(text: &str) -> Result<[u8; 12], IdError> {
    let bytes = text.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdError::NotTwelveDigits(text.chars().take(40).collect()));
    }
    let mut digits = [0u8; 12];
    for (slot, b) in digits.iter_mut().zip(bytes) {
        *slot = b - b'0';
    }
    Ok(digits)
}

fn control_digit_holds(digits: &[u8; 12]) -> bool {
    let mut control = weighted(digits, &FIRST_WEIGHTS);
    if control == 10 {
        control = weighted(digits, &SECOND_WEIGHTS);
        if control == 10 {
            return false;
        }
    }
    control == u32::from(digits[11])
}

impl FromStr for IdNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_good_numbers() {
        for good in [
            "880415300127",
            "050340001235",
            "900102400138",
            "040340001233",
        ] {
            assert_eq!(IdNumber::parse(good).unwrap().to_string(), good);
        }
    }

    #[test]
    fn second_weight_round_is_used_when_first_gives_ten() {
        // 88041530090x: the first round gives 10, the second gives 9.
        assert!(IdNumber::parse("880415300909").is_ok());
        assert!(IdNumber::parse("880415300900").is_err());
        // 88041530096x: both rounds give 10, so no control digit can make it valid.
        for last in 0..10 {
            let text = format!("88041530096{last}");
            assert!(matches!(
                IdNumber::parse(&text),
                Err(IdError::BadControlDigit(_))
            ));
        }
    }

    #[test]
    fn test_ids_are_accepted_only_when_asked_and_say_so() {
        // The NCA's test certificates carry these; they fail the control digit.
        for test in ["123456789011", "123456789021"] {
            assert!(IdNumber::parse(test).is_err());
            assert!(IdNumber::parse_with(test, IdPolicy::Strict).is_err());
            let id = IdNumber::parse_with(test, IdPolicy::AllowTestIds).unwrap();
            assert!(id.is_test_id());
            assert_eq!(id.to_string(), test);
            assert!(!is_valid_id(test));
        }
        let real = IdNumber::parse_with("880415300127", IdPolicy::AllowTestIds).unwrap();
        assert!(!real.is_test_id());
        assert!(is_valid_id("880415300127"));
        // The shape is never relaxed.
        assert!(IdNumber::parse_test_id("12345678901").is_err());
        assert!(IdNumber::parse_test_id("12345678901x").is_err());
    }

    #[test]
    fn rejects_wrong_control_digit_and_shape() {
        assert!(matches!(
            IdNumber::parse("880415300128"),
            Err(IdError::BadControlDigit(_))
        ));
        for bad in [
            "",
            "88041530012",
            "8804153001277",
            "88041530012a",
            "８８０４１５３００１２７",
        ] {
            assert!(
                matches!(IdNumber::parse(bad), Err(IdError::NotTwelveDigits(_))),
                "{bad}"
            );
        }
    }
}
