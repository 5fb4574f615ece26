//! The column buffers the recorder fills ([`Flat`], [`Keys`], [`List`]) and how each
//! writes itself into a Parquet column writer ([`ColumnBuf`]). The column table
//! (`crate::schema`) names a buffer type per column; the rows (`crate::rows`) fill them.

use parquet::column::writer::ColumnWriterImpl;
use parquet::data_type::{ByteArray, ByteArrayType, DataType, Int32Type};
use parquet::errors::ParquetError;

/// Text as a Parquet byte array.
pub(crate) fn bytes(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

/// A column of single values: the values present, and a definition level per row (1: a
/// value, 0: null).
#[derive(Debug, Default)]
pub(crate) struct Flat<T> {
    pub(crate) values: Vec<T>,
    pub(crate) def: Vec<i16>,
}

impl<T> Flat<T> {
    /// Nulls until the column holds `row` rows.
    #[inline]
    pub(crate) fn pad_to(&mut self, row: usize) {
        if self.def.len() < row {
            self.def.resize(row, 0);
        }
    }

    /// Sets row `row` (the rows before it that are not set are null).
    #[inline]
    pub(crate) fn set(&mut self, row: usize, value: T) {
        self.pad_to(row);
        self.def.push(1);
        self.values.push(value);
    }
}

/// A column of repeated strings: keys into the group's distinct values, and the values
/// that this chunk uses first (the encoder adds them to its copy of the group's values).
#[derive(Debug, Default)]
pub(crate) struct Keys {
    pub(crate) keys: Flat<i32>,
    pub(crate) new: Vec<ByteArray>,
}

/// A column of lists: the items, a definition level per item or per null or empty list
/// (0: null list, 1: empty list, 3: an item), and repetition levels (0: a row's first).
#[derive(Debug, Default)]
pub(crate) struct List<T> {
    pub(crate) values: Vec<T>,
    pub(crate) def: Vec<i16>,
    pub(crate) rep: Vec<i16>,
    pub(crate) rows: usize,
}

impl<T> List<T> {
    pub(crate) fn pad_to(&mut self, row: usize) {
        while self.rows < row {
            self.def.push(0);
            self.rep.push(0);
            self.rows += 1;
        }
    }

    /// Sets row `row` to the list of `items`.
    pub(crate) fn set(&mut self, row: usize, items: impl IntoIterator<Item = T>) {
        self.pad_to(row);
        let first = self.def.len();
        for item in items {
            self.def.push(3);
            self.rep.push(1);
            self.values.push(item);
        }
        match self.rep.get_mut(first) {
            Some(rep) => *rep = 0,
            None => {
                self.def.push(1);
                self.rep.push(0);
            }
        }
        self.rows += 1;
    }
}

/// A chunk's buffer of one column, written into its Parquet column writer.
pub(crate) trait ColumnBuf<P: DataType>: Default + Send {
    /// Values and levels held (`None` when the column is unused).
    fn used(&self) -> Option<(usize, usize)>;

    /// Makes room for `values` values and `levels` levels.
    fn reserve(&mut self, values: usize, levels: usize);

    /// Writes the column's `rows` rows (padding it with nulls), `required` when every row
    /// has a value; `dict` is the encoder's copy of the group's distinct values of this
    /// column (for [`Keys`]).
    fn write(
        &mut self,
        rows: usize,
        required: bool,
        writer: &mut ColumnWriterImpl<'_, P>,
        dict: &mut Vec<ByteArray>,
    ) -> Result<(), ParquetError>;
}

impl<P: DataType> ColumnBuf<P> for Flat<P::T> {
    fn used(&self) -> Option<(usize, usize)> {
        (!self.def.is_empty()).then_some((self.values.len(), self.def.len()))
    }

    fn reserve(&mut self, values: usize, levels: usize) {
        self.values.reserve(values);
        self.def.reserve(levels);
    }

    fn write(
        &mut self,
        rows: usize,
        required: bool,
        writer: &mut ColumnWriterImpl<'_, P>,
        _: &mut Vec<ByteArray>,
    ) -> Result<(), ParquetError> {
        self.pad_to(rows);
        let def = (!required).then_some(&self.def[..]);
        writer.write_batch(&self.values, def, None).map(drop)
    }
}

impl ColumnBuf<ByteArrayType> for Keys {
    fn used(&self) -> Option<(usize, usize)> {
        ColumnBuf::<Int32Type>::used(&self.keys)
    }

    fn reserve(&mut self, values: usize, levels: usize) {
        ColumnBuf::<Int32Type>::reserve(&mut self.keys, values, levels);
    }

    fn write(
        &mut self,
        rows: usize,
        required: bool,
        writer: &mut ColumnWriterImpl<'_, ByteArrayType>,
        dict: &mut Vec<ByteArray>,
    ) -> Result<(), ParquetError> {
        dict.append(&mut self.new);
        let values = self
            .keys
            .values
            .iter()
            .map(|&key| usize::try_from(key).ok().and_then(|k| dict.get(k)).cloned())
            .collect::<Option<Vec<ByteArray>>>()
            .ok_or_else(|| ParquetError::General("a dictionary key out of range".into()))?;
        self.keys.pad_to(rows);
        let def = (!required).then_some(&self.keys.def[..]);
        writer.write_batch(&values, def, None).map(drop)
    }
}

impl<P: DataType> ColumnBuf<P> for List<P::T> {
    fn used(&self) -> Option<(usize, usize)> {
        (self.rows > 0).then_some((self.values.len(), self.def.len()))
    }

    fn reserve(&mut self, values: usize, levels: usize) {
        self.values.reserve(values);
        self.def.reserve(levels);
        self.rep.reserve(levels);
    }

    fn write(
        &mut self,
        rows: usize,
        _: bool,
        writer: &mut ColumnWriterImpl<'_, P>,
        _: &mut Vec<ByteArray>,
    ) -> Result<(), ParquetError> {
        self.pad_to(rows);
        writer
            .write_batch(&self.values, Some(&self.def), Some(&self.rep))
            .map(drop)
    }
}

impl Keys {
    /// Sets row `row` to the value of `key`.
    #[inline]
    pub(crate) fn set(&mut self, row: usize, key: i32) {
        self.keys.set(row, key);
    }
}
