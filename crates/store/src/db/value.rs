use crate::StoreError;
use marketplace_domain::Timestamp;
use uuid::Uuid;

/// A column value as either database returns it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
}

/// One result row, its values in the order the statement selected them.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        let value = self.0.get(index).cloned().unwrap_or(Value::Null);
        T::from_value(value).map_err(|detail| StoreError::Decode { index, detail })
    }
}

pub trait FromValue: Sized {
    fn from_value(value: Value) -> Result<Self, String>;
}

fn mismatch<T>(expected: &str, value: &Value) -> Result<T, String> {
    Err(format!("expected {expected}, found {value:?}"))
}

impl FromValue for i64 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Int(number) => Ok(number),
            other => mismatch("an integer", &other),
        }
    }
}

impl FromValue for u64 {
    fn from_value(value: Value) -> Result<Self, String> {
        let number = i64::from_value(value)?;
        u64::try_from(number).map_err(|_| format!("expected a count, found {number}"))
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(text) => Ok(text),
            other => mismatch("text", &other),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(flag) => Ok(flag),
            // SQLite keeps booleans as 0 and 1.
            Value::Int(number) => Ok(number != 0),
            other => mismatch("a boolean", &other),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bytes(bytes) => Ok(bytes),
            other => mismatch("bytes", &other),
        }
    }
}

impl FromValue for Timestamp {
    fn from_value(value: Value) -> Result<Self, String> {
        i64::from_value(value).map(Timestamp::from_millis)
    }
}

impl FromValue for Uuid {
    fn from_value(value: Value) -> Result<Self, String> {
        let text = String::from_value(value)?;
        Uuid::parse_str(&text).map_err(|error| format!("expected a UUID, found `{text}`: {error}"))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// Ids are stored as the value they carry.
macro_rules! id_from_value {
    ($($id:ident($inner:ty)),+ $(,)?) => {$(
        impl FromValue for marketplace_domain::ids::$id {
            fn from_value(value: Value) -> Result<Self, String> {
                <$inner>::from_value(value).map(marketplace_domain::ids::$id)
            }
        }
    )+};
}

id_from_value!(
    TenantId(Uuid),
    UserId(i64),
    GlobalUserId(Uuid),
    ProductId(String),
    RequestId(String),
    RecordId(String),
    FormId(Uuid),
    AgreementId(Uuid),
    WebhookId(Uuid),
);
