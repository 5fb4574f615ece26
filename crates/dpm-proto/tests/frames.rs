//! Framing: the annotated frames of spec Appendix A, decoded at every split point and
//! in many chunkings; framing errors; the handshake.

use bytes::BytesMut;
use pacsys_dpm_proto::handshake::{HANDSHAKE_REQUEST, HttpStatusLine, ResponseStart};
use pacsys_dpm_proto::{
    ClientCodec, FrameError, ListStatusReply, Message, OpenListReply, RawFrameCodec, Reply,
    Request, ServerCodec, Status,
};
use tokio_util::codec::{Decoder, Encoder};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const P: &str = "53 44 44 02 51 03 14 b1 3a 70 3a";

/// Appendix A request frames (with their 4-byte length).
fn request_frames() -> Vec<Vec<u8>> {
    let mut v = vec![
        hex(&format!(
            "00 00 00 29 {P} 11 61 51 06 12 e8 20 12 10 92 12 1e ab 11 01 12 63 24 41 0a 4d 3a 4f 55 54 54 4d 50 40 49"
        )),
        hex(&format!("00 00 00 16 {P} 12 dd b5 51 02 12 e8 20 12 10 92")),
        hex(&format!("00 00 00 16 {P} 12 53 a9 51 02 12 e8 20 12 10 92")),
        hex(&format!("00 00 00 16 {P} 12 c3 09 51 02 12 e8 20 12 10 92")),
        hex(&format!(
            "00 00 00 1b {P} 12 c4 53 51 04 12 e8 20 12 10 92 12 8d a1 31 00"
        )),
        hex(&format!(
            "00 00 00 42 {P} 12 c6 78 51 06 12 56 48 41 0d 6a 64 6f 65 40 46 4e 41 4c 2e 47 4f 56 12 e8 20 12 10 92 12 63 ce 51 01 51 04 12 1e ab 11 01 12 7f 38 51 01 28 40 52 20 00 00 00 00 00"
        )),
    ];
    let mut enable = hex(&format!(
        "00 00 00 40 {P} 12 53 62 51 06 12 e8 20 12 10 92 12 1f cd 31 1c"
    ));
    enable.extend_from_slice(&[0u8; 28]);
    enable.extend(hex("12 31 02 31 04 31 32 33 34"));
    v.push(enable);
    v
}

/// Appendix A (and 5.5) reply frames.
fn reply_frames() -> Vec<Vec<u8>> {
    let mut auth = hex(&format!("00 00 00 2d {P} 12 1c 76 51 02 12 63 38 41 18"));
    auth.extend_from_slice(b"daeset/bd@dce01.fnal.gov");
    vec![
        hex(&format!("00 00 00 16 {P} 12 34 9e 51 02 12 e8 20 12 10 92")),
        hex(&format!(
            "00 00 00 35 {P} 12 d6 ab 51 0a 12 1e ab 11 01 12 d5 5b 16 01 90 06 bd 7d 7b 12 07 40 11 00 12 44 54 11 00 12 7f 38 28 40 52 20 00 00 00 00 00"
        )),
        hex(&format!(
            "00 00 00 25 {P} 12 d6 ad 51 08 12 1e ab 11 01 12 d5 5b 11 00 12 07 40 11 00 12 44 54 12 e6 11"
        )),
        hex(&format!(
            "00 00 00 1b {P} 12 73 70 51 04 12 e8 20 12 10 92 12 44 54 11 00"
        )),
        hex(&format!(
            "00 00 00 49 {P} 12 6f ed 51 0a 12 1e ab 11 01 12 82 dd 12 6a 63 12 93 1c 41 08 4d 3a 4f 55 54 54 4d 50 12 f9 2c 41 13 4f 75 74 64 6f 6f 72 20 74 65 6d 70 65 72 61 74 75 72 65 12 3d fb 41 04 44 65 67 46"
        )),
        hex(&format!(
            "00 00 00 27 {P} 12 f2 f9 51 0a 12 1e ab 11 03 12 d5 5b 11 00 12 07 40 11 00 12 5c 01 71 12 ab 23 70"
        )),
        auth,
        hex(&format!(
            "00 00 00 2e {P} 12 43 c0 51 02 12 44 54 51 02 51 04 12 1e ab 11 01 12 44 54 11 00 51 04 12 1e ab 11 02 12 44 54 12 ef 11"
        )),
    ]
}

/// Decodes `stream` delivered in the given chunks; every frame must decode.
fn decode_chunked<C>(codec: &mut C, stream: &[u8], cuts: &[usize]) -> Vec<C::Item>
where
    C: Decoder<Error = FrameError>,
    C::Item: std::fmt::Debug,
{
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut prev = 0;
    for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
        buf.extend_from_slice(&stream[prev..cut]);
        prev = cut;
        while let Some(m) = codec.decode(&mut buf).unwrap() {
            out.push(m);
        }
    }
    assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    assert!(buf.is_empty());
    out
}

fn body(frame: &[u8]) -> &[u8] {
    let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
    assert_eq!(len, frame.len() - 4, "length prefix of {frame:02x?}");
    &frame[4..]
}

fn check_every_split<M: Message + PartialEq + std::fmt::Debug>(
    frames: &[Vec<u8>],
    mut codec: impl Decoder<Item = M, Error = FrameError>,
) {
    let expected: Vec<M> = frames.iter().map(|f| M::decode(body(f)).unwrap()).collect();
    // Each frame alone, split at every point.
    for (f, want) in frames.iter().zip(&expected) {
        for k in 0..=f.len() {
            let got = decode_chunked(&mut codec, f, &[k]);
            assert_eq!(got.len(), 1, "split {k}");
            assert_eq!(&got[0], want, "split {k}");
        }
    }
    // All frames in one stream: every single split point, every pair of split points
    // (multi-split), and one byte at a time.
    let stream: Vec<u8> = frames.concat();
    for k in 0..=stream.len() {
        assert_eq!(
            decode_chunked(&mut codec, &stream, &[k]),
            expected,
            "split {k}"
        );
    }
    for a in (0..=stream.len()).step_by(3) {
        for b in (a..=stream.len()).step_by(7) {
            assert_eq!(
                decode_chunked(&mut codec, &stream, &[a, b]),
                expected,
                "splits {a},{b}"
            );
        }
    }
    let ones: Vec<usize> = (1..stream.len()).collect();
    assert_eq!(decode_chunked(&mut codec, &stream, &ones), expected);
    // Pseudo-random chunkings.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        let mut cuts = Vec::new();
        let mut pos = 0;
        loop {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            pos += (x % 40) as usize;
            if pos >= stream.len() {
                break;
            }
            cuts.push(pos);
        }
        assert_eq!(
            decode_chunked(&mut codec, &stream, &cuts),
            expected,
            "cuts {cuts:?}"
        );
    }
}

#[test]
fn appendix_a_replies_decode_at_every_split_point() {
    check_every_split::<Reply>(&reply_frames(), ClientCodec::new());
}

#[test]
fn appendix_a_requests_decode_at_every_split_point() {
    check_every_split::<Request>(&request_frames(), ServerCodec::new());
}

#[test]
fn appendix_a_frames_are_byte_exact_and_raw_codec_agrees() {
    let mut server = ServerCodec::new();
    let mut client = ClientCodec::new();
    for f in reply_frames() {
        let m = Reply::decode(body(&f)).unwrap();
        let mut out = BytesMut::new();
        server.encode(&m, &mut out).unwrap();
        assert_eq!(&out[..], &f[..], "{m:?}");
        let raw = decode_chunked(&mut RawFrameCodec::new(), &f, &[5]);
        assert_eq!(&raw[0][..], body(&f));
    }
    for f in request_frames() {
        let m = Request::decode(body(&f)).unwrap();
        let mut out = BytesMut::new();
        client.encode(m.clone(), &mut out).unwrap();
        assert_eq!(&out[..], &f[..], "{m:?}");
        let mut raw = BytesMut::new();
        RawFrameCodec::new().encode(body(&f), &mut raw).unwrap();
        assert_eq!(&raw[..], &f[..]);
    }
}

#[test]
fn appendix_a_values() {
    let r = reply_frames();
    let Reply::Status(s) = Reply::decode(body(&r[2])).unwrap() else {
        panic!()
    };
    assert_eq!(s.status, Status::DPM_NO_SUCH_DEVICE);
    assert_eq!(s.status.raw(), -6639);
    let Reply::DeviceInfo(d) = Reply::decode(body(&r[4])).unwrap() else {
        panic!()
    };
    assert_eq!(
        (d.di, d.name.as_str(), d.units.as_deref()),
        (27235, "M:OUTTMP", Some("DegF"))
    );
    assert_eq!(d.format_hint, None);
    let Reply::BasicStatus(b) = Reply::decode(body(&r[5])).unwrap() else {
        panic!()
    };
    assert_eq!(
        (b.on, b.ready, b.remote, b.positive, b.ramp),
        (Some(true), Some(false), None, None, None)
    );
    let Reply::ApplySettings(a) = Reply::decode(body(&r[7])).unwrap() else {
        panic!()
    };
    assert_eq!(a.status[1].status, Status::DPM_PRIV);
    let Reply::Authenticate(a) = Reply::decode(body(&r[6])).unwrap() else {
        panic!()
    };
    assert_eq!(a.service_name.as_deref(), Some("daeset/bd@dce01.fnal.gov"));
    assert_eq!(a.token, None);
}

#[test]
fn zero_and_oversize_lengths_are_errors() {
    let mut c = ClientCodec::new();
    let mut buf = BytesMut::from(&[0u8, 0, 0, 0, 1, 2][..]);
    assert!(matches!(c.decode(&mut buf), Err(FrameError::ZeroLength)));

    let mut buf = BytesMut::from(&[0u8, 0x10, 0, 1][..]);
    assert!(matches!(
        c.decode(&mut buf),
        Err(FrameError::TooLong {
            len: 0x100001,
            max: 0x100000
        })
    ));
    // Exactly the maximum is fine (just incomplete).
    let mut buf = BytesMut::from(&[0u8, 0x10, 0, 0][..]);
    assert!(c.decode(&mut buf).unwrap().is_none());

    let mut small = ClientCodec::with_max_frame_len(10);
    assert_eq!(small.max_frame_len(), 10);
    let mut buf = BytesMut::from(&reply_frames()[0][..]);
    assert!(matches!(
        small.decode(&mut buf),
        Err(FrameError::TooLong { len: 22, max: 10 })
    ));
    // The encoder refuses too, writing nothing.
    let mut out = BytesMut::from(&b"keep"[..]);
    let open = Reply::from(OpenListReply { list_id: 1 });
    assert!(matches!(
        ServerCodec::with_max_frame_len(10).encode(&open, &mut out),
        Err(FrameError::TooLong { .. })
    ));
    assert_eq!(&out[..], b"keep");
    assert!(matches!(
        RawFrameCodec::new().encode(&b""[..], &mut out),
        Err(FrameError::ZeroLength)
    ));
    assert_eq!(&out[..], b"keep");
}

#[test]
fn eof_mid_frame_is_an_error_and_clean_eof_is_not() {
    let f = &reply_frames()[1];
    for k in 1..f.len() {
        let mut buf = BytesMut::from(&f[..k]);
        let mut c = ClientCodec::new();
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert!(matches!(
            c.decode_eof(&mut buf),
            Err(FrameError::UnexpectedEof { buffered }) if buffered == k
        ));
    }
    let mut buf = BytesMut::new();
    assert!(ClientCodec::new().decode_eof(&mut buf).unwrap().is_none());
}

#[test]
fn undecodable_frame_is_consumed_and_reported() {
    // A request frame fed to the client codec: unknown reply id. The next frame still decodes.
    let mut stream = request_frames()[1].clone();
    stream.extend_from_slice(&reply_frames()[3]);
    let mut buf = BytesMut::from(&stream[..]);
    let mut c = ClientCodec::new();
    match c.decode(&mut buf) {
        Err(FrameError::Decode(e)) => {
            assert!(e.to_string().contains("unknown reply message id"), "{e}");
            assert_eq!(e.offset(), 11);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.decode(&mut buf).unwrap(),
        Some(Reply::ListStatus(ListStatusReply {
            list_id: 4242,
            status: Status::OK
        }))
    );
}

#[test]
fn many_frames_batch_into_one_buffer() {
    let mut out = BytesMut::new();
    let mut server = ServerCodec::new();
    let hb = Reply::from(ListStatusReply {
        list_id: 7,
        status: Status::DPM_PEND,
    });
    for _ in 0..1000 {
        server.encode(&hb, &mut out).unwrap();
    }
    let mut c = ClientCodec::new();
    let mut n = 0;
    while let Some(m) = c.decode(&mut out).unwrap() {
        assert_eq!(m, hb);
        n += 1;
    }
    assert_eq!(n, 1000);
}

#[test]
fn handshake_and_http_error_detection() {
    assert_eq!(
        &HANDSHAKE_REQUEST[..],
        b"GET /dpm HTTP/1.1\r\nContent-Type: application/pc\r\n\r\n"
    );
    for f in reply_frames() {
        assert_eq!(
            ResponseStart::classify(&f),
            Some(ResponseStart::Frames {
                first_len: (f.len() - 4) as u32
            })
        );
    }
    let resp = b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n";
    assert_eq!(ResponseStart::classify(resp), Some(ResponseStart::Http));
    let line = HttpStatusLine::parse(resp);
    assert_eq!(line.code, Some(404));
    assert_eq!(line.reason, "Not Found");
}
