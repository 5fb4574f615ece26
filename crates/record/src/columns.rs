//! Reading a recording column by column ([`read_columns`]): each column of the table as
//! one typed vector, without an [`Event`](pacsys_types::Event) per row. What a data frame
//! is built from (the Python package's `read_recording`).

use std::any::Any;
use std::collections::HashMap;
use std::path::Path;

use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType};
use parquet::data_type::{Int32Type, Int64Type};

use crate::reader::{Batch, Read, ReadColumn, guarded, unsigned};
use crate::schema::{COLUMNS, ColumnKind, Kind, Visitor};
use crate::{RecordError, Recording};

/// A column of numbers (or booleans) with nulls: `values[i]` is meaningful where
/// `valid[i]` (elsewhere it is the type's default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Nullable<T> {
    /// The values, one per row.
    pub values: Vec<T>,
    /// Whether each row has a value.
    pub valid: Vec<bool>,
}

impl<T: Default + Copy> Nullable<T> {
    fn push(&mut self, v: Option<T>) {
        self.values.push(v.unwrap_or_default());
        self.valid.push(v.is_some());
    }

    fn permute(&mut self, order: &[usize]) {
        self.values = order.iter().map(|&i| self.values[i]).collect();
        self.valid = order.iter().map(|&i| self.valid[i]).collect();
    }
}

/// A column of repeated text: row `i` is `names[codes[i]]`, or null where `codes[i]` is -1.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// One code per row (-1: null).
    pub codes: Vec<i32>,
    /// The distinct values, in order of first appearance.
    pub names: Vec<String>,
    index: HashMap<Box<[u8]>, i32>,
}

impl Dictionary {
    /// Appends a row: `None` null, or the text in `bytes` (checked to be UTF-8 the first
    /// time it is seen; a row repeating the row before is not looked up at all).
    fn push(&mut self, bytes: Option<&[u8]>) -> Result<(), String> {
        let code = match bytes {
            None => -1,
            Some(b) => match self.last_code().filter(|&c| self.name_bytes(c) == Some(b)) {
                Some(c) => c,
                None => match self.index.get(b) {
                    Some(c) => *c,
                    None => {
                        let s = std::str::from_utf8(b).map_err(|_| "not UTF-8".to_owned())?;
                        let c = i32::try_from(self.names.len())
                            .map_err(|_| "more than 2^31 distinct values".to_owned())?;
                        self.names.push(s.to_owned());
                        self.index.insert(b.into(), c);
                        c
                    }
                },
            },
        };
        self.codes.push(code);
        Ok(())
    }

    /// The code of the last row, if it was not null.
    fn last_code(&self) -> Option<i32> {
        self.codes.last().copied().filter(|&c| c >= 0)
    }

    fn name_bytes(&self, code: i32) -> Option<&[u8]> {
        let i = usize::try_from(code).ok()?;
        self.names.get(i).map(String::as_bytes)
    }
}

/// One column's values, row by row, in the recording's `seq` order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ColumnValues {
    /// See [`ColumnKind::U64`].
    U64(Nullable<u64>),
    /// See [`ColumnKind::Timestamp`].
    Timestamp(Nullable<i64>),
    /// See [`ColumnKind::I16`].
    I16(Nullable<i16>),
    /// See [`ColumnKind::I32`].
    I32(Nullable<i32>),
    /// See [`ColumnKind::I64`].
    I64(Nullable<i64>),
    /// See [`ColumnKind::F64`].
    F64(Nullable<f64>),
    /// See [`ColumnKind::Bool`].
    Bool(Nullable<bool>),
    /// See [`ColumnKind::Str`].
    Str(Vec<Option<String>>),
    /// See [`ColumnKind::Dict`].
    Dict(Dictionary),
    /// See [`ColumnKind::Bytes`].
    Bytes(Vec<Option<Vec<u8>>>),
    /// See [`ColumnKind::F64List`].
    F64List(Vec<Option<Vec<f64>>>),
    /// See [`ColumnKind::StrList`].
    StrList(Vec<Option<Vec<String>>>),
}

impl ColumnValues {
    fn empty(kind: ColumnKind) -> ColumnValues {
        match kind {
            ColumnKind::U64 => ColumnValues::U64(Nullable::default()),
            ColumnKind::Timestamp => ColumnValues::Timestamp(Nullable::default()),
            ColumnKind::I16 => ColumnValues::I16(Nullable::default()),
            ColumnKind::I32 => ColumnValues::I32(Nullable::default()),
            ColumnKind::I64 => ColumnValues::I64(Nullable::default()),
            ColumnKind::F64 => ColumnValues::F64(Nullable::default()),
            ColumnKind::Bool => ColumnValues::Bool(Nullable::default()),
            ColumnKind::Str => ColumnValues::Str(Vec::new()),
            ColumnKind::Dict => ColumnValues::Dict(Dictionary::default()),
            ColumnKind::Bytes => ColumnValues::Bytes(Vec::new()),
            ColumnKind::F64List => ColumnValues::F64List(Vec::new()),
            ColumnKind::StrList => ColumnValues::StrList(Vec::new()),
        }
    }

    /// Rows in `order` (a permutation of the rows).
    fn permute(&mut self, order: &[usize]) {
        fn take<T: Clone>(v: &mut Vec<T>, order: &[usize]) {
            *v = order.iter().map(|&i| v[i].clone()).collect();
        }
        match self {
            ColumnValues::U64(n) => n.permute(order),
            ColumnValues::Timestamp(n) | ColumnValues::I64(n) => n.permute(order),
            ColumnValues::I16(n) => n.permute(order),
            ColumnValues::I32(n) => n.permute(order),
            ColumnValues::F64(n) => n.permute(order),
            ColumnValues::Bool(n) => n.permute(order),
            ColumnValues::Str(v) => take(v, order),
            ColumnValues::Dict(d) => take(&mut d.codes, order),
            ColumnValues::Bytes(v) => take(v, order),
            ColumnValues::F64List(v) => take(v, order),
            ColumnValues::StrList(v) => take(v, order),
        }
    }
}

/// One column of a recording, read whole.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Column {
    /// Its name in the table (see [`schema()`](crate::schema)).
    pub name: &'static str,
    /// What it holds.
    pub kind: ColumnKind,
    /// Its values, one per row.
    pub values: ColumnValues,
}

/// Reads a recording (a dataset directory written by [`Recorder::create`](crate::Recorder::create),
/// or one Parquet file) column by column: every column of the table, in schema order, each
/// with one value per row, rows in `seq` order (as [`read_events`](crate::read_events)).
///
/// The files are checked as [`read_events`](crate::read_events) checks them (the columns'
/// types, the Parquet data, text that must be UTF-8, integers in their range), but the rows
/// are not turned into events: a row's columns come back as stored.
///
/// ```no_run
/// use pacsys_record::{ColumnValues, read_columns};
///
/// let columns = read_columns("run.parquet")?;
/// if let Some(ColumnValues::F64(value)) = columns.iter().find(|c| c.name == "value").map(|c| &c.values) {
///     let present = value.valid.iter().filter(|v| **v).count();
///     println!("{present} scalar values");
/// }
/// # Ok::<(), pacsys_record::RecordError>(())
/// ```
pub fn read_columns(path: impl AsRef<Path>) -> Result<Vec<Column>, RecordError> {
    Recording::open(path)?.columns()
}

impl Recording {
    /// The whole recording column by column: see [`read_columns`].
    pub fn columns(&self) -> Result<Vec<Column>, RecordError> {
        let mut out: Vec<ColumnValues> = COLUMNS
            .iter()
            .map(|c| ColumnValues::empty(c.kind))
            .collect();
        let mut batches = self.batches();
        while let Some(batch) = batches.next()? {
            append(batch, &mut out)?;
        }
        let mut columns: Vec<Column> = COLUMNS
            .iter()
            .zip(out)
            .map(|(c, values)| Column {
                name: c.name,
                kind: c.kind,
                values,
            })
            .collect();
        in_seq_order(&mut columns);
        Ok(columns)
    }
}

/// Appends a batch's rows to `out` (one entry per column of [`COLUMNS`]).
fn append(batch: Batch<'_>, out: &mut [ColumnValues]) -> Result<(), RecordError> {
    guarded(batch.path, batch.first_row, || {
        let mut append = Append {
            out,
            rows: batch.rows,
        };
        batch
            .columns
            .visit(&mut append)
            .map_err(|(index, row, reason)| RecordError::Corrupt {
                path: batch.path.to_path_buf(),
                row: batch.first_row + row as u64,
                column: COLUMNS.get(index).map_or("", |c| c.name).to_owned(),
                reason,
            })
    })
}

/// Sorts every column's rows by `seq` (stable), unless they are in order already (a
/// recording written by one recorder always is).
fn in_seq_order(columns: &mut [Column]) {
    let Some(ColumnValues::U64(seq)) = columns.first().map(|c| &c.values) else {
        return;
    };
    if seq.values.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let mut order: Vec<usize> = (0..seq.values.len()).collect();
    order.sort_by_key(|&i| seq.values[i]);
    for c in columns {
        c.values.permute(&order);
    }
}

/// Appends every column of a batch to its [`ColumnValues`].
struct Append<'a> {
    out: &'a mut [ColumnValues],
    rows: usize,
}

impl Visitor<Read> for Append<'_> {
    /// The column's index, the row in the batch, and what is wrong.
    type Error = (usize, usize, String);

    fn visit<K: Kind>(
        &mut self,
        index: usize,
        column: &mut ReadColumn<K::P>,
    ) -> Result<(), Self::Error> {
        let Some(out) = self.out.get_mut(index) else {
            return Ok(());
        };
        // The physical types the table uses; which one a column has is known only here,
        // generically, so it is asked of the column itself.
        let column: &dyn Any = column;
        let rows = self.rows;
        let appended = if let Some(c) = column.downcast_ref::<ReadColumn<Int64Type>>() {
            int64s(out, c, rows)
        } else if let Some(c) = column.downcast_ref::<ReadColumn<Int32Type>>() {
            int32s(out, c, rows)
        } else if let Some(c) = column.downcast_ref::<ReadColumn<DoubleType>>() {
            doubles(out, c, rows)
        } else if let Some(c) = column.downcast_ref::<ReadColumn<BoolType>>() {
            bools(out, c, rows)
        } else if let Some(c) = column.downcast_ref::<ReadColumn<ByteArrayType>>() {
            byte_arrays(out, c, rows)
        } else {
            Err(mismatch())
        };
        appended.map_err(|(row, reason)| (index, row, reason))
    }
}

/// Why row `.0` of a batch could not be read.
type RowError = (usize, String);

/// The kinds of the table and their physical types always agree ([`Kind::KIND`]); this is
/// the error if they did not (named without the column's values, which may be millions).
fn mismatch() -> RowError {
    (
        0,
        "internal error: the column's Parquet type is not its kind's".to_owned(),
    )
}

fn nullable<T: Copy, U: Default + Copy>(
    n: &mut Nullable<U>,
    column: &ReadColumn<impl DataType<T = T>>,
    rows: usize,
    convert: impl Fn(T) -> Result<U, String>,
) -> Result<(), RowError> {
    n.values.reserve(rows);
    n.valid.reserve(rows);
    // Most columns of a batch are wholly present or wholly absent (a row's kind decides
    // which it uses): those are appended in one go.
    if column.all_null() {
        n.values.resize(n.values.len() + rows, U::default());
        n.valid.resize(n.valid.len() + rows, false);
        return Ok(());
    }
    if let Some(values) = column.dense().and_then(|v| v.get(..rows)) {
        for (i, v) in values.iter().enumerate() {
            n.values.push(convert(*v).map_err(|reason| (i, reason))?);
        }
        n.valid.resize(n.valid.len() + rows, true);
        return Ok(());
    }
    for i in 0..rows {
        let v = column.get(i).map(|v| convert(*v)).transpose();
        n.push(v.map_err(|reason| (i, reason))?);
    }
    Ok(())
}

fn utf8(b: &ByteArray) -> Result<&str, String> {
    b.as_utf8().map_err(|_| "not UTF-8".to_owned())
}

/// Row `i`'s list, owned: `None` when null; a null item is an error (the recorder writes
/// none).
fn owned_list<T: Clone, U>(
    list: Option<Option<&[T]>>,
    item: impl Fn(&T) -> Result<U, String>,
) -> Result<Option<Vec<U>>, String> {
    match list {
        None => Ok(None),
        Some(None) => Err("null items".to_owned()),
        Some(Some(items)) => items.iter().map(item).collect::<Result<_, _>>().map(Some),
    }
}

/// Appends `rows` rows of a column of 64-bit integers (`U64`, `Timestamp`, `I64`) to `out`.
fn int64s(
    out: &mut ColumnValues,
    column: &ReadColumn<Int64Type>,
    rows: usize,
) -> Result<(), RowError> {
    match out {
        ColumnValues::U64(n) => nullable(n, column, rows, |v| Ok(unsigned(v))),
        ColumnValues::Timestamp(n) | ColumnValues::I64(n) => {
            nullable(n, column, rows, Ok::<i64, String>)
        }
        _ => Err(mismatch()),
    }
}

/// Appends `rows` rows of a column of 32-bit integers (`I16`, `I32`) to `out`.
fn int32s(
    out: &mut ColumnValues,
    column: &ReadColumn<Int32Type>,
    rows: usize,
) -> Result<(), RowError> {
    match out {
        ColumnValues::I16(n) => nullable(n, column, rows, |v| {
            i16::try_from(v).map_err(|_| format!("{v} is not a 16-bit integer"))
        }),
        ColumnValues::I32(n) => nullable(n, column, rows, Ok::<i32, String>),
        _ => Err(mismatch()),
    }
}

/// Appends `rows` rows of a column of doubles (`F64`, `F64List`) to `out`.
fn doubles(
    out: &mut ColumnValues,
    column: &ReadColumn<DoubleType>,
    rows: usize,
) -> Result<(), RowError> {
    match out {
        ColumnValues::F64(n) => nullable(n, column, rows, Ok::<f64, String>),
        ColumnValues::F64List(v) => {
            v.reserve(rows);
            for i in 0..rows {
                v.push(owned_list(column.list(i), |x| Ok(*x)).map_err(|e| (i, e))?);
            }
            Ok(())
        }
        _ => Err(mismatch()),
    }
}

/// Appends `rows` rows of a column of booleans to `out`.
fn bools(
    out: &mut ColumnValues,
    column: &ReadColumn<BoolType>,
    rows: usize,
) -> Result<(), RowError> {
    match out {
        ColumnValues::Bool(n) => nullable(n, column, rows, Ok::<bool, String>),
        _ => Err(mismatch()),
    }
}

/// Appends `rows` rows of a column of byte strings (`Str`, `Dict`, `Bytes`, `StrList`) to `out`.
fn byte_arrays(
    out: &mut ColumnValues,
    column: &ReadColumn<ByteArrayType>,
    rows: usize,
) -> Result<(), RowError> {
    let row = |i: usize, r: Result<(), String>| r.map_err(|e| (i, e));
    match out {
        ColumnValues::Str(v) => {
            for i in 0..rows {
                let s = column.get(i).map(utf8).transpose();
                row(i, s.map(|s| v.push(s.map(str::to_owned))))?;
            }
        }
        ColumnValues::Dict(d) => {
            for i in 0..rows {
                row(i, d.push(column.get(i).map(ByteArray::data)))?;
            }
        }
        ColumnValues::Bytes(v) => {
            for i in 0..rows {
                v.push(column.get(i).map(|b| b.data().to_vec()));
            }
        }
        ColumnValues::StrList(v) => {
            for i in 0..rows {
                let list = owned_list(column.list(i), |b| utf8(b).map(str::to_owned));
                row(i, list.map(|l| v.push(l)))?;
            }
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}
