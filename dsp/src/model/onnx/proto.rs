//! A minimal reader for the parts of an ONNX `ModelProto` the loader checks before handing the
//! file to ONNX Runtime: `metadata_props` and `opset_import`.
//!
//! It reads protobuf wire format directly, never allocates more than the input's size, and
//! refuses anything malformed with an error rather than a panic, so it is safe on arbitrary
//! bytes (it is fuzzed with random input).

/// ONNX `ModelProto` field numbers.
const MODEL_IR_VERSION: u32 = 1;
const MODEL_GRAPH: u32 = 7;
const MODEL_OPSET_IMPORT: u32 = 8;
const MODEL_METADATA_PROPS: u32 = 14;
/// `OperatorSetIdProto` and `StringStringEntryProto` field numbers.
const OPSET_DOMAIN: u32 = 1;
const OPSET_VERSION: u32 = 2;
const ENTRY_KEY: u32 = 1;
const ENTRY_VALUE: u32 = 2;

/// What the loader needs from a model file before creating a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelProtoSummary {
    /// ONNX IR version.
    pub ir_version: i64,
    /// `(domain, version)` of every imported operator set; `""` is the default ONNX domain.
    pub opsets: Vec<(String, i64)>,
    /// `metadata_props` as `(key, value)`, in file order.
    pub metadata: Vec<(String, String)>,
    /// Whether the file has a graph.
    pub has_graph: bool,
}

/// Reads the summary of an ONNX model from its bytes.
pub fn read_model_summary(bytes: &[u8]) -> Result<ModelProtoSummary, String> {
    let mut summary = ModelProtoSummary::default();
    let mut reader = Reader::new(bytes);
    while !reader.done() {
        let (field, wire) = reader.key()?;
        match (field, wire) {
            (MODEL_IR_VERSION, WIRE_VARINT) => summary.ir_version = reader.varint()? as i64,
            (MODEL_OPSET_IMPORT, WIRE_LEN) => {
                let mut sub = Reader::new(reader.bytes()?);
                let mut domain = String::new();
                let mut version = 0i64;
                while !sub.done() {
                    match sub.key()? {
                        (OPSET_DOMAIN, WIRE_LEN) => domain = sub.string()?,
                        (OPSET_VERSION, WIRE_VARINT) => version = sub.varint()? as i64,
                        (_, w) => sub.skip(w)?,
                    }
                }
                summary.opsets.push((domain, version));
            }
            (MODEL_METADATA_PROPS, WIRE_LEN) => {
                let mut sub = Reader::new(reader.bytes()?);
                let mut key = String::new();
                let mut value = String::new();
                while !sub.done() {
                    match sub.key()? {
                        (ENTRY_KEY, WIRE_LEN) => key = sub.string()?,
                        (ENTRY_VALUE, WIRE_LEN) => value = sub.string()?,
                        (_, w) => sub.skip(w)?,
                    }
                }
                summary.metadata.push((key, value));
            }
            (MODEL_GRAPH, WIRE_LEN) => {
                reader.bytes()?;
                summary.has_graph = true;
            }
            (_, w) => reader.skip(w)?,
        }
    }
    Ok(summary)
}

const WIRE_VARINT: u8 = 0;
const WIRE_I64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_I32: u8 = 5;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err("the file ends inside a number".to_owned());
            };
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number in the file is too long".to_owned())
    }

    fn key(&mut self) -> Result<(u32, u8), String> {
        let key = self.varint()?;
        let field = key >> 3;
        if field == 0 || field > u64::from(u32::MAX >> 3) {
            return Err("the file has an invalid field number".to_owned());
        }
        Ok((field as u32, (key & 7) as u8))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.varint()?;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.pos.checked_add(l))
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| "the file is truncated (a field runs past its end)".to_owned())?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn string(&mut self) -> Result<String, String> {
        let raw = self.bytes()?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| "a text field in the file is not valid UTF-8".to_owned())
    }

    fn skip(&mut self, wire: u8) -> Result<(), String> {
        let fixed = |reader: &mut Self, n: usize| -> Result<(), String> {
            if reader.pos + n > reader.bytes.len() {
                return Err("the file is truncated".to_owned());
            }
            reader.pos += n;
            Ok(())
        };
        match wire {
            WIRE_VARINT => self.varint().map(|_| ()),
            WIRE_I64 => fixed(self, 8),
            WIRE_LEN => self.bytes().map(|_| ()),
            WIRE_I32 => fixed(self, 4),
            other => Err(format!(
                "the file uses protobuf wire type {other}, which ONNX files never use"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn field_bytes(field: u32, data: &[u8], out: &mut Vec<u8>) {
        varint(u64::from(field) << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }

    #[test]
    fn reads_metadata_and_opsets_and_refuses_truncation() {
        let mut entry = Vec::new();
        field_bytes(1, b"chameleon.hop", &mut entry);
        field_bytes(2, b"256", &mut entry);
        let mut opset = Vec::new();
        field_bytes(1, b"com.example", &mut opset);
        varint(2 << 3, &mut opset);
        varint(3, &mut opset);
        let mut model = Vec::new();
        varint(1 << 3, &mut model);
        varint(8, &mut model);
        field_bytes(14, &entry, &mut model);
        field_bytes(8, &opset, &mut model);
        field_bytes(7, b"", &mut model);
        let s = read_model_summary(&model).unwrap();
        assert_eq!(s.ir_version, 8);
        assert_eq!(
            s.metadata,
            vec![("chameleon.hop".to_owned(), "256".to_owned())]
        );
        assert_eq!(s.opsets, vec![("com.example".to_owned(), 3)]);
        assert!(s.has_graph);
        for cut in 1..model.len() - 2 {
            // Every cut inside a field either fails or yields fewer entries; none panics.
            let _ = read_model_summary(&model[..cut]);
        }
        assert!(read_model_summary(&model[..model.len() - 3]).is_err());
    }
}
