//! Table paths and field names, checked as FISCO BCOS checks them
//! (`checkCreateTableParam` and `checkNameValidate` in
//! `bcos-executor/src/precompiled/common/Utilities.cpp`).
//!
//! FISCO reverts on every one of these problems (a `PrecompiledError`), with the error
//! code in the message for some; the messages here name the code for all of them.

use weft_plugin_abi::CallError;

/// Where tables live.
pub(crate) const TABLES: &str = "/tables/";

/// The longest table path, `/tables/` included (`USER_TABLE_NAME_MAX_LENGTH_S`).
pub(crate) const MAX_PATH: usize = 50;
/// The longest key or value field name (`SYS_TABLE_KEY_FIELD_NAME_MAX_LENGTH`,
/// `USER_TABLE_FIELD_NAME_MAX_LENGTH`).
pub(crate) const MAX_FIELD: usize = 64;
/// The longest comma-joined list of value field names (`SYS_TABLE_VALUE_FIELD_NAME_MAX_LENGTH`).
pub(crate) const MAX_FIELDS_TOTAL: usize = 1024;

/// `CODE_TABLE_NAME_LENGTH_OVERFLOW`.
pub(crate) const CODE_TABLE_NAME_LENGTH_OVERFLOW: i32 = -50002;
/// `CODE_TABLE_FIELD_LENGTH_OVERFLOW`.
pub(crate) const CODE_TABLE_FIELD_LENGTH_OVERFLOW: i32 = -50003;
/// `CODE_TABLE_FIELD_TOTAL_LENGTH_OVERFLOW`.
pub(crate) const CODE_TABLE_FIELD_TOTAL_LENGTH_OVERFLOW: i32 = -50004;
/// `CODE_TABLE_DUPLICATE_FIELD`.
pub(crate) const CODE_TABLE_DUPLICATE_FIELD: i32 = -50007;
/// `CODE_TABLE_INVALIDATE_FIELD`.
pub(crate) const CODE_TABLE_INVALIDATE_FIELD: i32 = -50008;

fn revert(message: String) -> CallError {
    CallError::revert_message(&message)
}

/// The bare name of a table path: `t_test` for `/tables/t_test` (a path outside
/// `/tables/` as it is).
pub(crate) fn bare_name(path: &str) -> &str {
    path.strip_prefix(TABLES).unwrap_or(path)
}

/// FISCO's `getTableName`: `/tables/<name>` for `name`, `/name` or `/tables/name`.
pub(crate) fn table_path(name: &str) -> Result<String, CallError> {
    let path = if name.starts_with(TABLES) {
        name.to_string()
    } else {
        format!("{TABLES}{}", name.strip_prefix('/').unwrap_or(name))
    };
    if path.len() == TABLES.len() {
        return Err(revert(format!(
            "empty table name (code {CODE_TABLE_INVALIDATE_FIELD}): name the table, \
             as \"t_test\" or \"/tables/t_test\""
        )));
    }
    Ok(path)
}

fn check_table_chars(name: &str) -> Result<(), CallError> {
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'/')
    {
        Ok(())
    } else {
        Err(revert(format!(
            "Invalid table name \"{name}\", the table name must be letters or numbers, and only \
             supports \"{{_, /}}\" as special character set (code {CODE_TABLE_INVALIDATE_FIELD})"
        )))
    }
}

fn check_field_chars(field: &str) -> Result<(), CallError> {
    let valid = !field.is_empty()
        && !field.starts_with('_')
        && field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'@'));
    if valid {
        Ok(())
    } else {
        Err(revert(format!(
            "invalid field: \"{field}\": a field name is not empty, does not start with \"_\", \
             and uses letters, numbers and \"{{$, _, @}}\" only (code {CODE_TABLE_INVALIDATE_FIELD})"
        )))
    }
}

fn check_field_length(field: &str) -> Result<(), CallError> {
    if field.len() > MAX_FIELD {
        return Err(revert(format!(
            "table field name length overflow {MAX_FIELD}: \"{field}\" is {} bytes \
             (code {CODE_TABLE_FIELD_LENGTH_OVERFLOW})",
            field.len()
        )));
    }
    Ok(())
}

/// A new table's path, key field and value fields, checked in FISCO's order: field
/// lengths, then characters and duplicates, then the total length of the value fields,
/// then the path's length. Field names are trimmed of surrounding whitespace first, as
/// FISCO does.
pub(crate) fn check_new_table(
    name: &str,
    key_field: &str,
    value_fields: &[String],
) -> Result<(String, String, Vec<String>), CallError> {
    check_field_length(key_field)?;
    let key_field = key_field.trim().to_string();
    let value_fields: Vec<String> = value_fields.iter().map(|f| f.trim().to_string()).collect();
    for field in &value_fields {
        check_field_length(field)?;
    }
    check_table_chars(name)?;
    check_field_chars(&key_field)?;
    for (i, field) in value_fields.iter().enumerate() {
        // FISCO checks value fields against each other only; the key field is checked here
        // too, as a value field named like the key would make conditions on it ambiguous.
        if value_fields[..i].contains(field) || *field == key_field {
            return Err(revert(format!(
                "duplicated field: {field} (code {CODE_TABLE_DUPLICATE_FIELD})"
            )));
        }
        check_field_chars(field)?;
    }
    check_total_length(&value_fields)?;
    let path = table_path(name)?;
    if path.len() > MAX_PATH {
        return Err(revert(format!(
            "tableName length overflow {MAX_PATH}: \"{path}\" is {} bytes; table names are at \
             most {} bytes (code {CODE_TABLE_NAME_LENGTH_OVERFLOW})",
            path.len(),
            MAX_PATH - TABLES.len()
        )));
    }
    Ok((path, key_field, value_fields))
}

/// The comma-joined value field names fit in [`MAX_FIELDS_TOTAL`] bytes.
pub(crate) fn check_total_length(value_fields: &[String]) -> Result<(), CallError> {
    let total =
        value_fields.iter().map(String::len).sum::<usize>() + value_fields.len().saturating_sub(1);
    if total > MAX_FIELDS_TOTAL {
        return Err(revert(format!(
            "total table field name length overflow {MAX_FIELDS_TOTAL}: the value fields take {total} \
             bytes (code {CODE_TABLE_FIELD_TOTAL_LENGTH_OVERFLOW})"
        )));
    }
    Ok(())
}

/// A column for `appendColumns`: FISCO checks its length only; its characters are
/// checked here too, as for `createTable`, so that every column can be named in a
/// condition or an update.
pub(crate) fn check_new_column(column: &str) -> Result<(), CallError> {
    check_field_length(column)?;
    check_field_chars(column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_fisco_builds_them() {
        assert_eq!(table_path("t").expect("path"), "/tables/t");
        assert_eq!(table_path("/t").expect("path"), "/tables/t");
        assert_eq!(table_path("/tables/t").expect("path"), "/tables/t");
        assert_eq!(table_path("tables/t").expect("path"), "/tables/tables/t");
        assert!(table_path("").is_err());
        assert!(table_path("/tables/").is_err());
    }

    #[test]
    fn fields_are_trimmed_and_checked() {
        let (path, key, values) =
            check_new_table("t_1", " id ", &[" name".into(), "age ".into()]).expect("valid");
        assert_eq!((path.as_str(), key.as_str()), ("/tables/t_1", "id"));
        assert_eq!(values, ["name", "age"]);
        for (name, key, values) in [
            ("t-1", "id", vec![]),
            ("t", "_id", vec![]),
            ("t", "", vec![]),
            ("t", "id", vec!["a,b".to_string()]),
            ("t", "id", vec!["a".to_string(), "a".to_string()]),
            ("t", "id", vec!["id".to_string()]),
            ("t", &"k".repeat(65), vec![]),
        ] {
            assert!(
                check_new_table(name, key, &values).is_err(),
                "{name} {key} {values:?}"
            );
        }
        assert!(check_new_table(&"t".repeat(42), "id", &[]).is_ok());
        assert!(check_new_table(&"t".repeat(43), "id", &[]).is_err());
    }
}
