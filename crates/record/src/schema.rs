//! The recording's columns, defined once: [`table!`] lists every column with its kind, and
//! the Parquet schema, the recorder's column buffers and the reader's are derived from it.

use std::sync::{Arc, OnceLock};

use parquet::basic::{LogicalType, Repetition, TimeUnit, TimestampType, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type};
use parquet::schema::types::{SchemaDescPtr, SchemaDescriptor, Type, TypePtr};

/// Calls `$m!` with the table of columns, in schema order: `name: Kind, Required|Optional,
/// Delta|Auto` (the encoding: delta for the columns that grow steadily, where a dictionary
/// would only be tried and abandoned; otherwise the writer's default, dictionary). The
/// name is the Parquet column's and the field's of [`Columns`](crate::schema::Columns).
macro_rules! table {
    ($m:ident) => {
        $m! {
            seq: U64, Required, Delta;
            received: Timestamp, Required, Delta;
            kind: Dict, Required, Auto;
            drf: Dict, Optional, Auto;
            timestamp: Timestamp, Optional, Delta;
            value: F64, Optional, Auto;
            values: F64List, Optional, Auto;
            text: Str, Optional, Auto;
            texts: StrList, Optional, Auto;
            raw: Bytes, Optional, Auto;
            value_type: Dict, Optional, Auto;
            facility: I16, Optional, Auto;
            error_code: I16, Optional, Auto;
            status_name: Dict, Optional, Auto;
            cycle: I64, Optional, Auto;
            units: Dict, Optional, Auto;
            device: Dict, Optional, Auto;
            device_index: I32, Optional, Auto;
            count: U64, Optional, Auto;
            duration_ns: I64, Optional, Auto;
            until: Timestamp, Optional, Auto;
            reason: Str, Optional, Auto;
            on: Bool, Optional, Auto;
            ready: Bool, Optional, Auto;
            remote: Bool, Optional, Auto;
            positive: Bool, Optional, Auto;
            ramp: Bool, Optional, Auto;
            alarm_min: F64, Optional, Auto;
            alarm_max: F64, Optional, Auto;
            alarm_nominal: I64, Optional, Auto;
            alarm_mask: I64, Optional, Auto;
            alarm_enable: Bool, Optional, Auto;
            alarm_in_alarm: Bool, Optional, Auto;
            alarm_abort: Bool, Optional, Auto;
            alarm_abort_inhibit: Bool, Optional, Auto;
            alarm_tries_needed: I32, Optional, Auto;
            alarm_tries_now: I32, Optional, Auto;
        }
    };
}

/// What one column of a recording holds, as [`read_columns`](crate::read_columns) gives it
/// (the columns are listed at [`schema()`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnKind {
    /// Unsigned 64-bit integers (`ColumnValues::U64`).
    U64,
    /// Nanoseconds since the Unix epoch, UTC (`ColumnValues::Timestamp`).
    Timestamp,
    /// Signed 16-bit integers (`ColumnValues::I16`).
    I16,
    /// Signed 32-bit integers (`ColumnValues::I32`).
    I32,
    /// Signed 64-bit integers (`ColumnValues::I64`).
    I64,
    /// Doubles (`ColumnValues::F64`).
    F64,
    /// Booleans (`ColumnValues::Bool`).
    Bool,
    /// Text (`ColumnValues::Str`).
    Str,
    /// Text that repeats, as codes into its distinct values (`ColumnValues::Dict`).
    Dict,
    /// Bytes (`ColumnValues::Bytes`).
    Bytes,
    /// Lists of doubles (`ColumnValues::F64List`).
    F64List,
    /// Lists of text (`ColumnValues::StrList`).
    StrList,
}

/// How a column is stored in Parquet. Implemented by the kinds named in [`table!`].
pub(crate) trait Kind: 'static {
    /// The Parquet physical type of the column's values (of its items, for a list).
    type P: DataType;
    /// What the column holds, as [`read_columns`](crate::read_columns) gives it.
    const KIND: ColumnKind;
    /// The recorder's buffer of the column for a chunk of rows.
    type Buf: crate::buffers::ColumnBuf<Self::P>;
    /// Whether the column is a list of values (a standard three-level Parquet LIST).
    const LIST: bool = false;
    /// Whether min/max statistics are kept (not for the repeated strings: a comparison of
    /// text per row that tells little).
    const STATS: bool = true;
    /// The logical type of the values (of the items, for a list).
    fn logical() -> Option<LogicalType> {
        None
    }
}

/// Marks the kinds of [`table!`] and gives each its Parquet types and recorder buffer.
macro_rules! kinds {
    ($($(#[$doc:meta])* $kind:ident: $p:ty, $buf:ty $(, $konst:ident = $v:expr)* $(=> $logical:expr)?;)*) => {$(
        $(#[$doc])*
        pub(crate) struct $kind;
        impl Kind for $kind {
            type P = $p;
            type Buf = $buf;
            const KIND: ColumnKind = ColumnKind::$kind;
            $(const $konst: bool = $v;)*
            $(fn logical() -> Option<LogicalType> {
                Some($logical)
            })?
        }
    )*};
}

use crate::buffers::{Flat, Keys, List};

kinds! {
    /// An unsigned 64-bit integer.
    U64: Int64Type, Flat<i64> => LogicalType::integer(64, false);
    /// Nanoseconds since the Unix epoch, UTC.
    Timestamp: Int64Type, Flat<i64> => timestamp();
    /// A signed 16-bit integer.
    I16: Int32Type, Flat<i32> => LogicalType::integer(16, true);
    /// A signed 32-bit integer.
    I32: Int32Type, Flat<i32>;
    /// A signed 64-bit integer.
    I64: Int64Type, Flat<i64>;
    /// A double.
    F64: DoubleType, Flat<f64>;
    /// A boolean.
    Bool: BoolType, Flat<bool>;
    /// A UTF-8 string.
    Str: ByteArrayType, Flat<parquet::data_type::ByteArray> => LogicalType::String;
    /// A UTF-8 string that repeats (a DRF, a device name): keys into the group's distinct
    /// values on the recorder's side.
    Dict: ByteArrayType, Keys, STATS = false => LogicalType::String;
    /// Bytes.
    Bytes: ByteArrayType, Flat<parquet::data_type::ByteArray>;
    /// A list of doubles.
    F64List: DoubleType, List<f64>, LIST = true;
    /// A list of UTF-8 strings.
    StrList: ByteArrayType, List<parquet::data_type::ByteArray>, LIST = true => LogicalType::String;
}

fn timestamp() -> LogicalType {
    LogicalType::Timestamp(TimestampType {
        is_adjusted_to_u_t_c: true,
        unit: TimeUnit::NANOS,
    })
}

/// Whether a column may be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nulls {
    /// Every row has a value.
    Required,
    /// Null where the row's kind does not use the column.
    Optional,
}

/// A column's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Delta encoding (a steadily growing integer: a few bits a row).
    Delta,
    /// The writer's default: dictionary encoding, falling back to plain.
    Auto,
}

/// One column of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Its name.
    pub name: &'static str,
    /// What it holds, read column by column.
    pub kind: ColumnKind,
    /// Whether it may be null.
    pub nulls: Nulls,
    /// Its encoding.
    pub encoding: Encoding,
    /// Whether min/max statistics are kept.
    pub stats: bool,
    /// Whether it is a list.
    pub list: bool,
    /// Its Parquet type (of the items, for a list).
    pub physical: fn() -> PhysicalType,
    /// Its logical type (of the items, for a list).
    pub logical: fn() -> Option<LogicalType>,
}

impl Column {
    /// The column as a field of the file's schema.
    fn parquet_type(&self) -> Result<Type, parquet::errors::ParquetError> {
        let leaf = |name: &str, repetition| {
            Type::primitive_type_builder(name, (self.physical)())
                .with_repetition(repetition)
                .with_logical_type((self.logical)())
                .build()
        };
        let repetition = match self.nulls {
            Nulls::Required => Repetition::REQUIRED,
            Nulls::Optional => Repetition::OPTIONAL,
        };
        if !self.list {
            return leaf(self.name, repetition);
        }
        // The standard three-level list, with nullable items named `item` as Arrow names
        // them (pyarrow reads `list<item: double>`).
        let item = leaf("item", Repetition::OPTIONAL)?;
        let list = Type::group_type_builder("list")
            .with_repetition(Repetition::REPEATED)
            .with_fields(vec![Arc::new(item)])
            .build()?;
        Type::group_type_builder(self.name)
            .with_repetition(repetition)
            .with_logical_type(Some(LogicalType::List))
            .with_fields(vec![Arc::new(list)])
            .build()
    }
}

/// The columns in schema order, with a field of type `Of<Kind>` per column (see [`Mode`]);
/// [`COLUMNS`] describes them, and [`col`] names them.
macro_rules! define {
    ($($name:ident: $kind:ident, $nulls:ident, $enc:ident;)*) => {
        /// Every column of the table, in schema order.
        pub(crate) const COLUMNS: &[Column] = &[$(Column {
            name: stringify!($name),
            kind: <$kind as Kind>::KIND,
            nulls: Nulls::$nulls,
            encoding: Encoding::$enc,
            stats: <$kind as Kind>::STATS,
            list: <$kind as Kind>::LIST,
            physical: <<$kind as Kind>::P as DataType>::get_physical_type,
            logical: <$kind as Kind>::logical,
        }),*];

        /// The column names.
        #[allow(non_upper_case_globals, dead_code)]
        pub(crate) mod col {
            $(pub const $name: &str = stringify!($name);)*
        }

        /// One value of `M::Of<Kind>` per column: the recorder's buffers of a chunk, or the
        /// reader's of a batch.
        pub(crate) struct Columns<M: Mode> {
            $(pub $name: M::Of<$kind>,)*
        }

        impl<M: Mode> Default for Columns<M> {
            fn default() -> Self {
                Columns { $($name: Default::default(),)* }
            }
        }

        impl<M: Mode> Columns<M> {
            /// Calls `v` with every column, in schema order, with its index.
            pub(crate) fn visit<V: Visitor<M>>(&mut self, v: &mut V) -> Result<(), V::Error> {
                let mut index = 0;
                $(
                    v.visit::<$kind>(index, &mut self.$name)?;
                    index += 1;
                )*
                let _ = index;
                Ok(())
            }
        }
    };
}

/// What a [`Columns`] holds per column.
pub(crate) trait Mode {
    /// The value for a column of kind `K`.
    type Of<K: Kind>: Default + Send;
}

/// An operation on every column of a [`Columns`].
pub(crate) trait Visitor<M: Mode> {
    /// Why it failed.
    type Error;
    /// Operates on column `index` (of [`COLUMNS`]), of kind `K`.
    fn visit<K: Kind>(&mut self, index: usize, column: &mut M::Of<K>) -> Result<(), Self::Error>;
}

table!(define);

/// The values of the `kind` column.
pub(crate) use pacsys_types::event::kind;

/// The Parquet schema every recording is written with (and that [`Recording`](crate::Recording) expects).
///
/// One row per event (a logger [`TimedArray`](pacsys_types::TimedArray) gives one row per
/// point). Columns that do not apply to a row's `kind` are null. In order (the types as
/// pyarrow and pandas read them):
///
/// | column | type | meaning |
/// |---|---|---|
/// | `seq` | UInt64 | position in the recording: 0, 1, 2, ... |
/// | `received` | Timestamp(ns, UTC) | when the recorder received the event |
/// | `kind` | Utf8 | `reading`, `error`, `disconnected`, `reconnected`, `dropped`, `stale`, `fresh`, `gap` |
/// | `drf` | Utf8? | the request as the caller wrote it (reading, error, stale, fresh, gap) |
/// | `timestamp` | Timestamp(ns, UTC)? | the reading's time; for a gap its start |
/// | `value` | Float64? | a scalar value |
/// | `values` | List\<Float64\>? | an array value |
/// | `text` | Utf8? | a text value |
/// | `texts` | List\<Utf8\>? | a text-array value |
/// | `raw` | Binary? | raw bytes |
/// | `value_type` | Utf8? | the value's kind name (`scalar`, `scalarArr`, `raw`, `text`, `textArr`, `anaAlarm`, `digAlarm`, `basicStatus`; `timedScalarArr` only for an empty one); null without a value |
/// | `facility` | Int16? | ACNET status facility (reading, error) |
/// | `error_code` | Int16? | ACNET status error code, signed (reading, error) |
/// | `status_name` | Utf8? | the status's symbolic name when not OK and known |
/// | `cycle` | Int64? | the reading's cycle information |
/// | `units` | Utf8? | engineering units (reading metadata) |
/// | `device` | Utf8? | canonical device name (reading metadata) |
/// | `device_index` | Int32? | device index (reading metadata) |
/// | `count` | UInt64? | readings dropped (dropped) |
/// | `duration_ns` | Int64? | reconnected: the gap; stale, fresh: how long silent |
/// | `until` | Timestamp(ns, UTC)? | the end of a gap |
/// | `reason` | Utf8? | disconnected, gap: why |
/// | `on`, `ready`, `remote`, `positive`, `ramp` | Boolean? | basic status bits |
/// | `alarm_min`, `alarm_max` | Float64? | analog alarm limits |
/// | `alarm_nominal`, `alarm_mask` | Int64? | digital alarm pattern and mask |
/// | `alarm_enable`, `alarm_in_alarm`, `alarm_abort`, `alarm_abort_inhibit` | Boolean? | alarm state (both kinds) |
/// | `alarm_tries_needed`, `alarm_tries_now` | Int32? | alarm counts (both kinds) |
///
/// In Parquet terms: UInt64 is `INT64 (Int(64, unsigned))`, Int16 `INT32 (Int(16,
/// signed))`, a timestamp `INT64 (Timestamp(UTC, nanoseconds))`, Utf8 `BYTE_ARRAY
/// (String)`, and a list the standard three-level `LIST` with nullable items named `item`.
///
/// ```
/// let schema = pacsys_record::schema();
/// let fields = schema.root_schema().get_fields();
/// assert_eq!(fields[0].name(), "seq");
/// assert_eq!(fields.len(), 37);
/// ```
pub fn schema() -> SchemaDescPtr {
    static SCHEMA: OnceLock<SchemaDescPtr> = OnceLock::new();
    SCHEMA
        .get_or_init(|| Arc::new(SchemaDescriptor::new(root_type())))
        .clone()
}

/// The schema's root: a group of every column of [`COLUMNS`].
#[allow(clippy::expect_used)]
pub(crate) fn root_type() -> TypePtr {
    static ROOT: OnceLock<TypePtr> = OnceLock::new();
    ROOT.get_or_init(|| {
        let fields = COLUMNS
            .iter()
            .map(|c| c.parquet_type().map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
            // Built from the constants above, never from input (a unit test builds it).
            .expect("the recording's schema is well formed");
        Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()
                .expect("a group without a logical type is well formed"),
        )
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_builds_and_the_schema_has_them_all() {
        for c in COLUMNS {
            assert!(c.parquet_type().is_ok(), "{}", c.name);
        }
        let schema = schema();
        assert_eq!(schema.num_columns(), COLUMNS.len());
        assert_eq!(schema.root_schema().get_fields().len(), 37);
        let names: Vec<&str> = schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(names, COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>());
        assert_eq!(schema.column(6).path().string(), "values.list.item");
        assert_eq!(schema.column(6).max_def_level(), 3);
        assert_eq!(schema.column(6).max_rep_level(), 1);
    }
}
