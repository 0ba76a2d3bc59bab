//! IIN / BIN: 12-digit identification numbers with a control digit (CONTRACT.md §2).

use std::fmt;
use std::str::FromStr;

/// A 12-digit IIN or BIN whose control digit has been checked. The only way to
/// build one is [`IdNumber::parse`], so a value of this type is always valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdNumber([u8; 12]);

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
        let bytes = text.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdError::NotTwelveDigits(text.chars().take(40).collect()));
        }
        let mut digits = [0u8; 12];
        for (slot, b) in digits.iter_mut().zip(bytes) {
            *slot = b - b'0';
        }
        let mut control = weighted(&digits, &FIRST_WEIGHTS);
        if control == 10 {
            control = weighted(&digits, &SECOND_WEIGHTS);
            if control == 10 {
                return Err(IdError::BadControlDigit(text.to_owned()));
            }
        }
        if control != u32::from(digits[11]) {
            return Err(IdError::BadControlDigit(text.to_owned()));
        }
        Ok(IdNumber(digits))
    }

    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
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
