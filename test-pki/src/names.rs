//! Subject names of the NCA-like profile and the IIN/BIN control digit rule.

use rcgen::{DistinguishedName, DnType, DnValue};

use crate::Result;

/// OID arcs of the subject attribute types used by the profile.
const SURNAME: &[u64] = &[2, 5, 4, 4];
const SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];
const GIVEN_NAME: &[u64] = &[2, 5, 4, 42];

/// Subject of a test certificate. Attributes are written in this order:
/// CN, SURNAME, SERIALNUMBER, C, O, OU, givenName.
#[derive(Clone, Debug, Default)]
pub struct Subject {
    pub cn: String,
    pub surname: Option<String>,
    /// 12 digits, written as SERIALNUMBER "IIN" + digits.
    pub iin: Option<String>,
    pub country: Option<String>,
    pub org: Option<String>,
    /// 12 digits, written as OU "BIN" + digits.
    pub bin: Option<String>,
    /// The patronymic.
    pub given_name: Option<String>,
}

impl Subject {
    /// A CA subject: CN and C=KZ.
    pub fn ca(cn: &str) -> Subject {
        Subject {
            cn: cn.to_string(),
            country: Some("KZ".to_string()),
            ..Subject::default()
        }
    }

    /// A natural person: CN "SURNAME NAME", SURNAME, SERIALNUMBER IIN…, C=KZ.
    pub fn individual(cn: &str, iin: &str) -> Subject {
        Subject {
            cn: cn.to_string(),
            surname: cn.split_whitespace().next().map(str::to_string),
            iin: Some(iin.to_string()),
            country: Some("KZ".to_string()),
            ..Subject::default()
        }
    }

    /// A person acting for a legal entity: adds O and OU BIN….
    pub fn legal(cn: &str, iin: &str, org: &str, bin: &str) -> Subject {
        Subject {
            org: Some(org.to_string()),
            bin: Some(bin.to_string()),
            ..Subject::individual(cn, iin)
        }
    }

    pub fn with_given_name(mut self, given_name: &str) -> Subject {
        self.given_name = Some(given_name.to_string());
        self
    }

    pub fn with_org(mut self, org: &str) -> Subject {
        self.org = Some(org.to_string());
        self
    }

    /// Checks the control digits of the IIN and BIN.
    pub fn check(&self) -> Result<()> {
        for id in self.iin.iter().chain(self.bin.iter()) {
            if !control_digit_ok(id) {
                return Err(format!("bad IIN/BIN control digit: {id}").into());
            }
        }
        Ok(())
    }

    /// The rcgen distinguished name (UTF8String except C and SERIALNUMBER,
    /// which are PrintableString).
    pub fn to_rcgen(&self) -> Result<DistinguishedName> {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, self.cn.as_str());
        if let Some(surname) = &self.surname {
            dn.push(DnType::CustomDnType(SURNAME.to_vec()), surname.as_str());
        }
        if let Some(iin) = &self.iin {
            dn.push(
                DnType::CustomDnType(SERIAL_NUMBER.to_vec()),
                DnValue::PrintableString(format!("IIN{iin}").try_into()?),
            );
        }
        if let Some(country) = &self.country {
            dn.push(
                DnType::CountryName,
                DnValue::PrintableString(country.as_str().try_into()?),
            );
        }
        if let Some(org) = &self.org {
            dn.push(DnType::OrganizationName, org.as_str());
        }
        if let Some(bin) = &self.bin {
            dn.push(DnType::OrganizationalUnitName, format!("BIN{bin}"));
        }
        if let Some(given_name) = &self.given_name {
            dn.push(
                DnType::CustomDnType(GIVEN_NAME.to_vec()),
                given_name.as_str(),
            );
        }
        Ok(dn)
    }

    /// Readable form, attributes in certificate order, e.g.
    /// `CN=…, SURNAME=…, SERIALNUMBER=IIN…, C=KZ, O=…, OU=BIN…, GIVENNAME=…`.
    pub fn display(&self) -> String {
        let mut parts = vec![format!("CN={}", self.cn)];
        if let Some(v) = &self.surname {
            parts.push(format!("SURNAME={v}"));
        }
        if let Some(v) = &self.iin {
            parts.push(format!("SERIALNUMBER=IIN{v}"));
        }
        if let Some(v) = &self.country {
            parts.push(format!("C={v}"));
        }
        if let Some(v) = &self.org {
            parts.push(format!("O={v}"));
        }
        if let Some(v) = &self.bin {
            parts.push(format!("OU=BIN{v}"));
        }
        if let Some(v) = &self.given_name {
            parts.push(format!("GIVENNAME={v}"));
        }
        parts.join(", ")
    }
}

/// Control digit rule of the 12-digit IIN/BIN: weights 1..11, and if the sum
/// mod 11 is 10, weights 3..11,1,2; a result of 10 again means invalid.
pub fn control_digit_ok(id: &str) -> bool {
    let digits: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 12 || id.len() != 12 {
        return false;
    }
    let weighted = |weights: [u32; 11]| -> u32 {
        digits[..11]
            .iter()
            .zip(weights)
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
    };
    let mut control = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if control == 10 {
        control = weighted([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    }
    control != 10 && control == digits[11]
}

#[cfg(test)]
mod tests {
    use super::control_digit_ok;

    #[test]
    fn control_digits() {
        assert!(control_digit_ok("880415300127"));
        assert!(!control_digit_ok("880415300128"));
        assert!(!control_digit_ok("88041530012"));
    }
}
