use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number that clients may write as `30` or `30.0` (generated clients write every number as a float);
/// it is always written back as `30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Whole(pub u32);

impl Serialize for Whole {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number = f64::deserialize(deserializer)?;
        if number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&number) {
            Ok(Whole(number as u32))
        } else {
            Err(serde::de::Error::custom(format!("{number} is not a whole number")))
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Whole {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .description(Some(
                "Stricter than Immuta's document: a whole number (`30` or `30.0`).",
            ))
            .minimum(Some(0))
            .maximum(Some(u32::MAX))
            .multiple_of(Some(1))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Whole {}

#[cfg(test)]
mod tests {
    use super::Whole;

    #[test]
    fn accepts_floats_that_are_whole() {
        assert_eq!(serde_json::from_str::<Whole>("30.0").unwrap(), Whole(30));
        assert_eq!(serde_json::to_string(&Whole(30)).unwrap(), "30");
        assert!(serde_json::from_str::<Whole>("1.5").is_err());
        assert!(serde_json::from_str::<Whole>("-1").is_err());
    }
}
