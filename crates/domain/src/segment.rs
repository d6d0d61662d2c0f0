use std::fmt;
use std::str::FromStr;

/// The global segment a deployment belongs to. Data never leaves its segment, so a token minted in one
/// segment is never accepted by another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segment {
    Na,
    Eu,
    Ap,
}

impl Segment {
    pub const ALL: [Segment; 3] = [Segment::Na, Segment::Eu, Segment::Ap];

    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Na => "na",
            Segment::Eu => "eu",
            Segment::Ap => "ap",
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown global segment `{0}` (expected na, eu or ap)")]
pub struct UnknownSegment(String);

impl FromStr for Segment {
    type Err = UnknownSegment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Segment::ALL
            .into_iter()
            .find(|segment| segment.as_str() == s)
            .ok_or_else(|| UnknownSegment(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_segment() {
        for segment in Segment::ALL {
            assert_eq!(segment.as_str().parse::<Segment>().unwrap(), segment);
        }
        assert!("us".parse::<Segment>().is_err());
    }
}
